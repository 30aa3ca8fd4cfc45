/** @module errors — every failure Fluxgate can report, named for what went wrong. */
import { Schema } from "effect"

/** One problem found while decoding input: where (path) and what (message). */
export const Issue = Schema.Struct({ path: Schema.String, message: Schema.String })
export type Issue = typeof Issue.Type

/** The request body or a parameter does not match its schema (→ 400). */
export class InvalidPayload extends Schema.TaggedError<InvalidPayload>()("InvalidPayload", {
  message: Schema.String,
  issues: Schema.Array(Issue)
}) {}

/** A body or a single message is larger than the configured limit (→ 413). */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  message: Schema.String,
  limit: Schema.Number
}) {}

/** The broker cannot take or give data right now (→ 503 with Retry-After). */
export class StreamUnavailable extends Schema.TaggedError<StreamUnavailable>()("StreamUnavailable", {
  message: Schema.String
}) {}

/** An actor's mailbox is full; the caller should back off (→ 503 with Retry-After). */
export class MailboxFull extends Schema.TaggedError<MailboxFull>()("MailboxFull", {
  actor: Schema.String
}) {
  override get message() {
    return `the ${this.actor} mailbox is full; retry later`
  }
}

/** A gate transition that the gate's current state does not allow (→ 409). */
export class GateBusy extends Schema.TaggedError<GateBusy>()("GateBusy", {
  message: Schema.String,
  gate: Schema.String,
  state: Schema.String
}) {}

/** A state conflict on a task (e.g. delete while running) (→ 409). */
export class TaskConflict extends Schema.TaggedError<TaskConflict>()("TaskConflict", {
  message: Schema.String,
  taskId: Schema.String
}) {}

/** No task with that id (→ 404). */
export class TaskNotFound extends Schema.TaggedError<TaskNotFound>()("TaskNotFound", {
  taskId: Schema.String
}) {
  override get message() {
    return `no task with id ${this.taskId}`
  }
}

/** Something requested does not exist (→ 404). */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}) {}

/** Missing or wrong bearer token (→ 401). */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}) {}

/** A handler failure that retrying cannot fix: the task goes straight to the dead list. */
export class PermanentFailure extends Schema.TaggedError<PermanentFailure>()("PermanentFailure", {
  message: Schema.String
}) {}

/** Every error that the HTTP edge knows how to map to a status. */
export type HttpError =
  | InvalidPayload
  | PayloadTooLarge
  | StreamUnavailable
  | MailboxFull
  | GateBusy
  | TaskConflict
  | TaskNotFound
  | NotFound
  | Unauthorized
