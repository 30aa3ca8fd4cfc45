/** @module test/generator/generator.format — LOG_FORMAT behaves like Python logging's %-style formats. */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { asctime, formatKeys, formatLog } from "../../actors/generator/format.ts"

const record = { asctime: "2026-11-23 06:06:33,123", levelname: "INFO", message: "service heartbeat #1", name: "heartbeat", process: 4242, msecs: 7, created: 1.5 }

test("the seed's default format renders like Python's logging", () => {
  assert.is(formatLog("[%(asctime)s] %(levelname)s: %(message)s", record), "[2026-11-23 06:06:33,123] INFO: service heartbeat #1")
})

test("name and process render, including %(process)d", () => {
  assert.is(formatLog("%(asctime)s %(levelname)s %(message)s %(name)s %(process)d", record), "2026-11-23 06:06:33,123 INFO service heartbeat #1 heartbeat 4242")
})

test("width, left alignment, zero padding and precision forms match Python", () => {
  assert.is(formatLog("%(levelname)-8s|", record), "INFO    |")
  assert.is(formatLog("%(levelname)8s|", record), "    INFO|")
  assert.is(formatLog("%(message).10s", record), "service he")
  assert.is(formatLog("%(message)-12.7s|", record), "service     |")
  assert.is(formatLog("%(msecs)03d", record), "007")
  assert.is(formatLog("%(process)08d", record), "00004242")
  assert.is(formatLog("%(created).3f", record), "1.500")
  assert.is(formatLog("100%% %(levelname)s", record), "100% INFO")
})

test("an unknown key is left as written instead of breaking the line", () => {
  assert.is(formatLog("%(nope)s %(levelname)s", record), "%(nope)s INFO")
  assert.equal(formatKeys("%(asctime)s %(levelname)-8s %%"), ["asctime", "levelname"])
})

test("asctime has Python's default shape with milliseconds after a comma", () => {
  assert.match(asctime(Date.UTC(2026, 10, 23, 6, 6, 33, 45)), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,045$/)
})

test.run()
