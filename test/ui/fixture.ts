/**
 * @module test/ui/fixture — one dashboard under test: a Fluxgate server process
 * (own key prefix, stream and queues on the shared redis-server, AUTH_TOKEN on)
 * and one Chromium tab on its page, plus the helpers the browser tests share.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Browser, Page } from "playwright-core"
import * as assert from "uvu/assert"
import { freePort, sharedRedis, uniqueName } from "../helpers/redis.ts"
import { launchChromium, startServer, type ServerProcess } from "./browser.ts"

/** The bearer token the server requires for writes. */
export const TOKEN = `tok-${uniqueName("ui")}`
/** INSTANCE_ID of the server: every identity the page shows. */
export const INSTANCE = "ui-e2e"
/** A suffix that makes this run's sources and messages unique. */
export const RUN = uniqueName("run")

const need = <A>(value: A | undefined, what: string): A => {
  if (value === undefined) throw new Error(`${what} did not start`)
  return value
}

/** The server, the browser and the one tab the tests drive (sessionStorage lives per tab). */
export class Dashboard {
  private serverProcess: ServerProcess | undefined
  private chromium: Browser | undefined
  private tab: Page | undefined
  /** Every URL the page requested (the token must appear in none). */
  readonly requested: Array<string> = []
  readonly pageErrors: Array<string> = []

  get server(): ServerProcess { return need(this.serverProcess, "server") }
  get browser(): Browser { return need(this.chromium, "browser") }
  get page(): Page { return need(this.tab, "browser tab") }

  async start(): Promise<void> {
    const redis = await sharedRedis()
    const dir = mkdtempSync(join(tmpdir(), "fluxgate-ui-"))
    const env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: uniqueName("uip"),
      STREAM_NAME: uniqueName("ui-logs"),
      QUEUE_NAME: uniqueName("ui-messages"),
      TASK_QUEUE: uniqueName("ui-tasks"),
      INSTANCE_ID: INSTANCE,
      AUTH_TOKEN: TOKEN,
      OUTPUT_PATH: join(dir, "processed.log"),
      LOG_FILE: join(dir, "app.log"),
      LOG_FREQUENCY: "2",
      HEARTBEAT_MS: "1000",
      // Small enough that the gap test can outrun it, large enough that the pause test's
      // 2,100-event burst is still in the stream when the paused tab replays it.
      TRIM_MAXLEN: "4000",
      // One dead task reaches the cap, so the Queue panel's warning can be seen.
      DEAD_LETTER_MAX: "1",
      // A 2,100-event burst reliably overflows a 20-event subscriber queue, so the overflow
      // path runs (the distributor's tail may hand it over in reads of a few hundred).
      SUBSCRIBER_QUEUE_LEN: "20",
      APP_LOG_LEVEL: "Warning"
    }
    // Another suite may take the free port between probe and listen: try a fresh one.
    for (let attempt = 1; this.serverProcess === undefined; attempt++) {
      try {
        this.serverProcess = await startServer(await freePort(), env)
      } catch (error) {
        if (attempt === 3) throw error
      }
    }
    this.chromium = await launchChromium()
    const page = await this.chromium.newPage({ viewport: { width: 1280, height: 900 } })
    this.tab = page
    page.setDefaultTimeout(15_000)
    page.on("request", (r) => this.requested.push(r.url()))
    page.on("pageerror", (e) => this.pageErrors.push(e.message))
    await page.goto(`${this.server.base}/`)
    await page.waitForSelector("[data-testid=tail-status][data-state=live]")
  }

  async stop(): Promise<void> {
    await this.chromium?.close().catch(() => {})
    await this.serverProcess?.kill()
  }

  /** POST /ingest from the test (not the page), with the token; returns the stream ids. */
  async ingest(events: ReadonlyArray<Record<string, unknown>>): Promise<Array<string>> {
    const res = await fetch(`${this.server.base}/ingest`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson", Authorization: `Bearer ${TOKEN}` },
      body: events.map((e) => JSON.stringify(e)).join("\n")
    })
    assert.is(res.status, 202, `ingest answered ${res.status}: ${await res.clone().text()}`)
    return ((await res.json()) as { ids: Array<string> }).ids
  }
}

/** Click a tab and wait for its panel. */
export const tab = async (p: Page, id: string): Promise<void> => {
  await p.click(`#tab-${id}`)
  await p.waitForSelector(`#panel-${id}`, { state: "visible" })
}

/** Show the tail and bring it back to live (resumed, connected), whatever an earlier test left. */
export const liveTail = async (p: Page): Promise<void> => {
  await tab(p, "tail")
  if (await p.isVisible('#panel-tail button:has-text("Resume")')) await p.click('#panel-tail button:has-text("Resume")')
  if (await p.isVisible('#panel-tail button:text-is("Connect")')) await p.click('#panel-tail button:text-is("Connect")')
  await p.waitForSelector("[data-testid=tail-status][data-state=live]")
}

/** Id, source and message of every row in the tail, in screen order. */
export const tailRows = (p: Page) =>
  p.$$eval("[data-testid=tail-log] li[data-id]", (lis) =>
    lis.map((li) => ({ id: li.getAttribute("data-id") ?? "", source: li.querySelector(".src")?.textContent ?? "", message: li.querySelector(".msg")?.textContent ?? "" })))

/**
 * Visible text under a selector whose colour against its nearest opaque
 * background is below WCAG AA (4.5:1). Plain JavaScript in a string: tsx
 * would wrap named functions in a `__name` helper the page doesn't have.
 */
export const CONTRAST_PROBLEMS = `(root) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number)
  const lin = (v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4 }
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor)
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c
    }
    return [255, 255, 255]
  }
  const out = []
  for (const el of document.querySelectorAll(root + " *, .tabs button")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== "")
    const box = el.getBoundingClientRect()
    if (!own || box.width === 0 || box.height === 0) continue
    const fg = lum(rgb(getComputedStyle(el).color))
    const bg = lum(background(el))
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)
    if (ratio < 4.5) out.push(el.tagName.toLowerCase() + "." + el.className + " '" + el.textContent.trim().slice(0, 30) + "' " + ratio.toFixed(2))
  }
  return out
}`
