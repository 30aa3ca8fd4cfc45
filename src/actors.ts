/**
 * @module actors — which actor Layers run for which role. Each actor module
 * exports one Layer that forks its fibers and registers its routes.
 */
import type { Roster } from "./roster.ts"
import { CollectorLive } from "../actors/collector/index.ts"
import { DistributorLive } from "../actors/distributor/index.ts"
import { GateLive } from "../actors/gate/index.ts"
import { GeneratorLive } from "../actors/generator/index.ts"
import { TasksLive } from "../actors/tasks/index.ts"
import { WorkerLive } from "../actors/worker/index.ts"
import { UiLive } from "../actors/ui/index.ts"

export const roster: Roster = {
  collector: [CollectorLive],
  distributor: [DistributorLive],
  gate: [GateLive],
  generator: [GeneratorLive],
  tasks: [TasksLive],
  worker: [WorkerLive],
  ui: [UiLive]
}
