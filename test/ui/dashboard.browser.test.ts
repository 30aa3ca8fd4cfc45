/**
 * @module test/ui/dashboard.browser — the dashboard in headless Chromium
 * against a real server process on a real redis-server: events reach the live
 * tail, tasks show their three identities, the IO gate waits and resumes, the
 * tail survives a server crash and restart with no missing event, writes carry
 * the token (never in a URL), and every panel fits a phone. Screenshots go to
 * test/.output/screenshots (UPDATE_SCREENSHOTS=1 also refreshes docs/).
 * Run on Deno, the same tests drive the server started with Deno's entry point.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { freePort } from "../helpers/redis.ts"
import { screenshot, startServer } from "./browser.ts"
import { CONTRAST_PROBLEMS, Dashboard, INSTANCE, liveTail, RUN as run, TOKEN, tab, tailRows } from "./fixture.ts"

const test = suite(`dashboard in Chromium (server on ${"Deno" in globalThis ? "Deno" : "Node"})`)
const d = new Dashboard()

// uvu swallows an error thrown by a `before` hook (it reports 0 passed and no reason): print it.
test.before(() => d.start().catch((error: unknown) => {
  console.error("dashboard test set-up failed:", error)
  throw error
}))

let began = 0
test.before.each(() => { began = Date.now() })
test.after.each((ctx) => { if (process.env.UI_TEST_TIMING) console.log(`\n  ${Date.now() - began} ms  ${ctx.__test__}`) })

test.after(() => d.stop())

test("an event sent from the Send panel is refused without the token, accepted with it, and appears in the live tail", async () => {
  const p = d.page
  await tab(p, "send")
  const message = `hello from the browser ${run}`
  await p.fill("#panel-send input[name=message]", message)
  await p.click('#panel-send form button:has-text("Send event")')
  await p.waitForSelector("[data-testid=send-result].err")
  assert.match(await p.textContent("[data-testid=send-result]") ?? "", "401 Unauthorized")

  await p.click("header .token summary")
  await p.fill("#token", TOKEN)
  await p.click('header .token button:has-text("Save")')
  await p.click('#panel-send form button:has-text("Send event")')
  await p.waitForSelector("[data-testid=send-result].ok")
  const result = await p.textContent("[data-testid=send-result]") ?? ""
  assert.match(result, /202 accepted 1: \d+-\d+/)
  const id = /(\d+-\d+)/.exec(result)?.[1]
  await screenshot(p, "send")

  await p.fill("#panel-send textarea[name=ndjson]", '{"source":"a","level":"INFO","message":"fine"}\n{"source":"","level":"LOUD","message":"bad"}')
  await p.click('#panel-send button:has-text("Send batch")')
  await p.waitForSelector("[data-testid=send-result].err")
  const error = await p.textContent("[data-testid=send-result]") ?? ""
  assert.match(error, "400 InvalidPayload")
  assert.match(error, /• \S*1\S*(source|level)/, `the bad line and field are named: ${error}`)

  await tab(p, "tail")
  await p.waitForSelector(`[data-testid=tail-log] li[data-id="${id}"]`)
  assert.match(await p.textContent(`[data-testid=tail-log] li[data-id="${id}"] .msg`) ?? "", message)
})

test("the live tail colours levels, filters by minimum level, and pauses without losing events", async () => {
  const p = d.page
  await liveTail(p)
  const source = `levels-${run}`
  await d.ingest(["DEBUG", "INFO", "WARN", "ERROR", "FATAL"].map((level, i) => ({
    source, level, message: `${level.toLowerCase()} event ${i}`, metadata: { user_id: `u-${i}`, latency_ms: 10 * i }
  })))
  await p.waitForFunction((s) => document.querySelectorAll(`[data-testid=tail-log] li[data-id]`).length > 0 &&
    [...document.querySelectorAll("[data-testid=tail-log] .src")].filter((e) => e.textContent === s).length === 5, source)
  const bg = await p.$eval("[data-testid=tail-log] .lvl-ERROR", (e) => getComputedStyle(e).backgroundColor)
  assert.is(bg, "rgb(179, 38, 30)")
  await screenshot(p, "tail")

  await p.click('#panel-tail button:has-text("Pause")')
  const paused = await d.ingest([{ source, level: "INFO", message: `while paused ${run}` }])
  // At least our event is buffered (a generator heartbeat may be too).
  await p.waitForFunction(() => /paused \([1-9]\d* buffered\)/.test(document.querySelector("[data-testid=tail-status]")?.textContent ?? ""))
  assert.is(await p.$(`[data-testid=tail-log] li[data-id="${paused[0]}"]`), null, "not drawn while paused")
  await p.click('#panel-tail button:has-text("Resume")')
  await p.waitForSelector(`[data-testid=tail-log] li[data-id="${paused[0]}"]`)

  await p.selectOption("#panel-tail select[name=level]", "ERROR")
  await p.waitForSelector("[data-testid=tail-status][data-state=live]")
  const [low, high] = await d.ingest([{ source, level: "INFO", message: "filtered out" }, { source, level: "ERROR", message: "kept by the filter" }])
  await p.waitForSelector(`[data-testid=tail-log] li[data-id="${high}"]`)
  assert.is(await p.$(`[data-testid=tail-log] li[data-id="${low}"]`), null, "INFO hidden by min level ERROR")
  await p.selectOption("#panel-tail select[name=level]", "")
})

test("a burst larger than the subscriber queue shows the overflow notice, and the tab resumes from the stream with every event in order", async () => {
  const p = d.page
  await liveTail(p)
  const source = `overflow-${run}`
  await d.ingest(Array.from({ length: 2100 }, (_, i) => ({ source, level: "DEBUG", message: `o ${i + 1}` })))
  await p.waitForFunction(() => /overflow: /.test(document.querySelector("[data-testid=tail-notices]")?.textContent ?? ""))
  await p.waitForFunction((src) => {
    const rows = [...document.querySelectorAll("[data-testid=tail-log] li[data-id]")].filter((li) => li.querySelector(".src")?.textContent === src)
    return rows.at(-1)?.querySelector(".msg")?.textContent === "o 2100"
  }, source)
  await p.waitForTimeout(300) // a repeat would arrive right behind
  const mine = (await tailRows(p)).filter((r) => r.source === source).map((r) => Number(r.message.slice(2)))
  assert.ok(mine.length >= 400, `${mine.length} rows of the burst on screen`)
  assert.equal(mine, Array.from({ length: mine.length }, (_, i) => 2100 - mine.length + 1 + i), "contiguous, in order, ending at the last event")
  await p.waitForSelector("[data-testid=tail-status][data-state=live]")
})

test("a pause longer than its buffer detaches the stream and replays the rest from the stream on resume", async () => {
  const p = d.page
  await liveTail(p)
  const source = `burst-${run}`
  await p.click('#panel-tail button:has-text("Pause")')
  await d.ingest(Array.from({ length: 2100 }, (_, i) => ({ source, level: "DEBUG", message: `b ${i + 1}` })))
  await p.waitForFunction(() => /pause buffer full/.test(document.querySelector("[data-testid=tail-notices]")?.textContent ?? ""))
  assert.match(await p.textContent("[data-testid=tail-status]") ?? "", "will replay from")
  await p.click('#panel-tail button:has-text("Resume")')
  await p.waitForFunction((src) => {
    const rows = [...document.querySelectorAll("[data-testid=tail-log] li[data-id]")].filter((li) => li.querySelector(".src")?.textContent === src)
    return rows.at(-1)?.querySelector(".msg")?.textContent === "b 2100"
  }, source)
  const mine = (await tailRows(p)).filter((r) => r.source === source).map((r) => Number(r.message.slice(2)))
  assert.ok(mine.length >= 400, `${mine.length} rows of the burst on screen`)
  assert.equal(mine, Array.from({ length: mine.length }, (_, i) => 2100 - mine.length + 1 + i), "contiguous, in order, ending at the last event")
})

test("reconnecting after the stream trimmed past the last seen id shows the distributor's gap notice", async () => {
  const p = d.page
  await liveTail(p)
  await p.click('#panel-tail button:has-text("Disconnect")')
  await p.waitForSelector("[data-testid=tail-status][data-state=disconnected]")
  const ids = await d.ingest(Array.from({ length: 5000 }, (_, i) => ({ source: `trim-${run}`, level: "DEBUG", message: `t ${i}` })))
  await p.click('#panel-tail button:text-is("Connect")')
  await p.waitForFunction(() => /gap: .*trimmed/.test(document.querySelector("[data-testid=tail-notices]")?.textContent ?? ""))
  await p.waitForSelector(`[data-testid=tail-log] li[data-id="${ids.at(-1)}"]`)
  await p.click('#panel-tail button:has-text("Clear")')
})

test("an async task submitted from the Tasks panel reaches succeeded with initiated_by, checked_by and handled_by", async () => {
  const p = d.page
  await tab(p, "tasks")
  await p.click('#panel-tasks button:has-text("= ?")')
  await p.waitForSelector("[data-testid=sync-result]")
  assert.match(await p.textContent("[data-testid=sync-result]") ?? "", `Result 5 handled by ${INSTANCE}`)
  await p.click('#panel-tasks button:has-text("Submit add")')
  const row = "[data-testid=tracked-tasks] tbody tr"
  await p.waitForSelector(`${row} .st-succeeded`, { timeout: 20_000 })
  const cells = await p.$eval(row, (tr) => ({
    initiated: tr.querySelector("[data-col=initiated_by]")?.textContent,
    checked: tr.querySelector("[data-col=checked_by]")?.textContent,
    handled: tr.querySelector("[data-col=handled_by]")?.textContent,
    text: tr.textContent
  }))
  assert.equal([cells.initiated, cells.checked, cells.handled], [INSTANCE, INSTANCE, INSTANCE])
  assert.match(cells.text ?? "", "12")
  await p.click('#panel-tasks button:has-text("Refresh")')
  await p.waitForSelector("[data-testid=task-list] .st-succeeded")
  await screenshot(p, "tasks-succeeded", false)
})

test("a dead task shows its error inline, the Queue panel warns at the dead-letter cap, and Retry requeues it", async () => {
  const p = d.page
  await tab(p, "tasks")
  await p.click('#panel-tasks summary:has-text("Other task types")')
  await p.selectOption("#panel-tasks select[name=task-type]", "sleep")
  await p.fill("#panel-tasks textarea[name=payload]", '{"ms": 0, "always_fail": true, "permanent": true}')
  await p.click('#panel-tasks button:has-text("Submit task")')
  await p.waitForSelector("[data-testid=tracked-tasks] tbody tr:first-of-type .st-failed", { timeout: 20_000 })
  const taskId = await p.getAttribute("[data-testid=tracked-tasks] tbody tr:first-of-type", "data-task") ?? ""
  await p.selectOption("#panel-tasks select[name=status]", "failed")
  const listed = `[data-testid=task-list] tr[data-task="${taskId}"]`
  await p.waitForSelector(listed)
  assert.ok((await p.textContent(`${listed} .err`) ?? "").length > 0, "the error is shown in the row")
  await screenshot(p, "tasks")

  await tab(p, "queue")
  await p.waitForSelector("[data-testid=queues] [role=alert]:visible")
  assert.match(await p.textContent("[data-testid=queues]") ?? "", "dead-letter cap reached")
  await screenshot(p, "queue")

  await tab(p, "tasks")
  const retried = p.waitForResponse((r) => r.url().endsWith(`/api/tasks/${taskId}/retry`))
  await p.click(`${listed} button:has-text("Retry")`)
  const response = await retried
  assert.is(response.status(), 202)
  assert.is(((await response.json()) as { status: string }).status, "queued")
  await p.selectOption("#panel-tasks select[name=status]", "")
})

test("the Queue panel enqueues a message and lists its queue's live counts", async () => {
  const p = d.page
  await tab(p, "queue")
  await p.click('#panel-queue button:has-text("Enqueue")')
  await p.waitForSelector("#panel-queue .result.ok")
  assert.match(await p.textContent("#panel-queue .result.ok") ?? "", "enqueued: task")
  await p.waitForSelector("[data-testid=queues] tbody th")
  const names = await p.$$eval("[data-testid=queues] tbody th", (ths) => ths.map((t) => t.textContent))
  assert.ok(names.some((n) => n?.startsWith("ui-messages")), `queues listed: ${names.join(", ")}`)
})

test("starting the IO gate shows waiting in Get Logs; writing the message resumes it", async () => {
  const p = d.page
  await tab(p, "gate")
  await p.click('#panel-gate button:has-text("Start IO process")')
  await p.waitForFunction(() => document.querySelector("[data-testid=gate-state]")?.textContent === "waiting for a message")
  await p.click('#panel-gate button:has-text("Get Logs")')
  await p.waitForFunction(() => document.querySelector("[data-testid=logs-status]")?.textContent === "waiting")
  await screenshot(p, "gate")
  const reply = `carry on ${run}`
  await p.fill("#panel-gate input[name=message]", reply)
  await p.click('#panel-gate button:has-text("Send message")')
  await p.waitForFunction(() => /resumed/.test(document.querySelector("[data-testid=gate-result]")?.textContent ?? ""))
  await p.waitForFunction(() => document.querySelector("[data-testid=gate-state]")?.textContent === "idle")
  // The waiting process (the generator) resumed: it logs the message, which reaches the live tail.
  await p.waitForFunction((r) => [...document.querySelectorAll("[data-testid=tail-log] .msg")].some((e) => e.textContent?.includes(r)), reply)
  await p.click('#panel-gate button:has-text("Get Logs")')
  await p.waitForFunction(() => document.querySelector("[data-testid=logs-status]")?.textContent === "ok")
  await p.click('#panel-gate button:has-text("Read last message")')
  await p.waitForFunction((r) => document.querySelector("[data-testid=gate-last]")?.textContent?.includes(r) ?? false, reply)
})

test("the Health panel shows this instance, its Redis broker and every actor", async () => {
  const p = d.page
  await tab(p, "health")
  await p.waitForFunction(() => document.querySelector("[data-testid=health-status]")?.textContent !== "…")
  const text = await p.textContent("#panel-health") ?? ""
  assert.match(text, INSTANCE)
  assert.match(text, "Backend redis")
  const actors = await p.$$eval("[data-testid=actors] tbody th", (ths) => ths.map((t) => t.textContent))
  for (const name of ["collector", "gate", "worker"]) assert.ok(actors.includes(name), `${name} in ${actors.join(", ")}`)
  await screenshot(p, "health")
})

test("the Generator panel pauses and resumes the generator, changes its level and fires a burst", async () => {
  const p = d.page
  await tab(p, "generator")
  await p.waitForFunction(() => document.querySelector("[data-testid=gen-state]")?.textContent === "running")
  await p.click('#panel-generator button:has-text("Pause")')
  await p.waitForFunction(() => document.querySelector("[data-testid=gen-state]")?.textContent === "paused")
  await p.click('#panel-generator button:has-text("Run")')
  await p.waitForFunction(() => document.querySelector("[data-testid=gen-state]")?.textContent === "running")
  await p.selectOption("#panel-generator select[name=level]", "WARNING")
  await p.click('#panel-generator button:has-text("Apply")')
  await p.waitForFunction(() => /level\s*WARNING/.test(document.querySelector("[data-testid=gen-table]")?.textContent ?? ""))
  await p.fill("#panel-generator input[name=burst-events]", "20")
  await p.fill("#panel-generator input[name=burst-ms]", "200")
  await p.click('#panel-generator button:has-text("Burst")')
  await p.waitForFunction(() => /burst started/.test(document.querySelector("[data-testid=gen-result]")?.textContent ?? ""))
  await screenshot(p, "generator")
})

test("the Traces panel lists recent traces and draws one as a waterfall", async () => {
  const p = d.page
  await d.ingest([{ source: `traced-${run}`, level: "INFO", message: "follow me" }])
  await tab(p, "traces")
  await p.fill("#panel-traces input[placeholder^=any]", "collector")
  await p.click('#panel-traces button:has-text("Refresh")')
  await p.waitForSelector("[data-testid=trace-list] tbody tr button")
  await p.click("[data-testid=trace-list] tbody tr button")
  await p.waitForSelector("[data-testid=waterfall] .wbar")
  const bars = await p.$$eval("[data-testid=waterfall] li", (lis) => lis.length)
  assert.ok(bars >= 1, `${bars} spans drawn`)
  await screenshot(p, "traces")
})

test("the tail resumes after the server is killed and restarted, with no missing or repeated event", async () => {
  const p = d.page
  await liveTail(p)
  const s = d.server
  await tab(p, "tail")
  const source = `restart-${run}`
  const seq = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ source, level: "INFO", message: `seq ${from + i}` }))
  await d.ingest(seq(1, 5))
  await p.waitForFunction((src) => [...document.querySelectorAll("[data-testid=tail-log] .src")].filter((e) => e.textContent === src).length === 5, source)

  const t0 = Date.now()
  const mark = (what: string) => process.env.UI_TEST_TIMING && console.log(`    ${Date.now() - t0} ms ${what}`)
  await s.kill()
  await p.waitForSelector("[data-testid=tail-status][data-state=reconnecting]")
  mark("tail reconnecting")
  await s.restart()
  mark("server ready again")
  // Written before the tab reconnects: only a Last-Event-ID replay can deliver these.
  await d.ingest(seq(6, 10))
  await p.waitForSelector("[data-testid=tail-status][data-state=live]", { timeout: 20_000 })
  mark("tail live")
  await d.ingest(seq(11, 12))
  await p.waitForFunction((src) => [...document.querySelectorAll("[data-testid=tail-log] .src")].filter((e) => e.textContent === src).length >= 12, source, { timeout: 20_000 })
  await p.waitForTimeout(300) // a duplicate would arrive right behind
  const mine = (await tailRows(p)).filter((r) => r.source === source).map((r) => r.message)
  assert.equal(mine, seq(1, 12).map((e) => e.message))
  assert.match(await p.textContent("[data-testid=tail-notices]") ?? "", "reconnected")
})

test("a separate ui process (ROLES=ui, API_URL) serves the same dashboard through its /api proxy: recent history, then the live tail", async () => {
  const api = d.server
  const b = d.browser
  const ui = await startServer(await freePort(), { ROLES: "ui", API_URL: api.base, INSTANCE_ID: "ui-proxy", APP_LOG_LEVEL: "Warning" })
  const context = await b.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const p = await context.newPage()
    p.setDefaultTimeout(15_000)
    p.on("request", (r) => d.requested.push(r.url()))
    const [before] = await d.ingest([{ source: `history-${run}`, level: "INFO", message: "written before the page opened" }])
    await p.goto(`${ui.base}/`)
    await p.waitForSelector("[data-testid=tail-status][data-state=live]")
    // A fresh tab starts with recent history from /logs, then continues live after it.
    await p.waitForSelector(`[data-testid=tail-log] li[data-id="${before}"]`)
    // The header names the API instance: /api/whoami went through the proxy.
    assert.is(await p.textContent("[data-testid=instance]"), INSTANCE)
    await p.click("header .token summary")
    await p.fill("#token", TOKEN)
    await p.click('header .token button:has-text("Save")')
    await tab(p, "send")
    const message = `through the proxy ${run}`
    await p.fill("#panel-send input[name=message]", message)
    await p.click('#panel-send form button:has-text("Send event")')
    await p.waitForSelector("[data-testid=send-result].ok")
    await tab(p, "tail")
    await p.waitForFunction((m) => [...document.querySelectorAll("[data-testid=tail-log] .msg")].some((e) => e.textContent === m), message)
  } finally {
    await context.close()
    await ui.kill()
  }
})

test("every panel fits a phone-width screen and labels every control", async () => {
  const p = d.page
  await p.setViewportSize({ width: 390, height: 844 })
  for (const id of ["tail", "send", "tasks", "queue", "gate", "generator", "health", "traces"]) {
    await tab(p, id)
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 1, `${id} overflows the viewport by ${overflow}px`)
    const unlabeled = await p.$$eval(`#panel-${id} input, #panel-${id} select, #panel-${id} textarea`, (els) =>
      els.filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute("aria-label")).map((el) => el.outerHTML.slice(0, 80)))
    assert.equal(unlabeled, [], `${id}: controls without a label`)
    const lowContrast = (await p.evaluate(`(${CONTRAST_PROBLEMS})("#panel-${id}")`)) as Array<string>
    assert.equal(lowContrast, [], `${id}: text below 4.5:1 contrast`)
  }
  await tab(p, "tail")
  await screenshot(p, "phone")
  await p.setViewportSize({ width: 1280, height: 900 })
})

test("the tabs are reachable and switchable with the keyboard alone", async () => {
  const p = d.page
  await tab(p, "tail")
  await p.focus("#tab-tail")
  const expect = async (key: string, id: string) => {
    await p.keyboard.press(key)
    await p.waitForFunction((want) => document.activeElement?.id === `tab-${want}`, id)
    await p.waitForSelector(`#panel-${id}`, { state: "visible" })
    assert.is(await p.getAttribute(`#tab-${id}`, "aria-selected"), "true")
  }
  await expect("ArrowRight", "send")
  await expect("End", "traces")
  await expect("ArrowRight", "tail")
  await expect("ArrowLeft", "traces")
  await expect("Home", "tail")
})

test("the token never appears in a URL and the page raised no script error", () => {
  assert.ok(d.requested.length > 10, `${d.requested.length} requests seen`)
  assert.equal(d.requested.filter((u) => u.includes(TOKEN)), [])
  assert.equal(d.pageErrors, [])
})

test.run()
