/**
 * @module test/deploy/gateway — deploy/nginx/nginx.conf itself, run by a real
 * nginx in front of the loopback topology: each path reaches the role that
 * serves it (also under /api/), api replicas share the load, and SSE passes
 * through unbuffered. Only what Docker provides is replaced: each upstream's
 * `server <service>:8080 resolve` line (Docker DNS, nginx ≥ 1.27.3) becomes one
 * line per replica's loopback port, the listen port is free, and logs go to a
 * temp dir — so Debian's nginx 1.22 can run it.
 *
 * nginx: `NGINX_BIN` or `nginx` on PATH (deploy/ci/install-nginx.sh puts one
 * there without installing the service). Without one this file registers no
 * test and says so.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { freePort, uniqueName } from "../helpers/redis.ts"
import { repoRoot } from "../helpers/server.ts"
import { eventually, events, ingest, messages, sameSequence, setUp, startTopology, subscribe, type RoleService, type Topology } from "./topology.ts"

const nginxBin = process.env.NGINX_BIN ?? "nginx"
const probe = spawnSync(nginxBin, ["-v"], { encoding: "utf8" })
const version = /nginx\/\d+\.\d+\.\d+/.exec(`${probe.stderr ?? ""}${probe.stdout ?? ""}`)

/** The repo's gateway config, pointed at the topology's loopback ports. */
const gatewayConfig = (topo: Topology, port: number, dir: string): string => {
  const servers = (role: RoleService) => topo.of(role).map((m) => `    server 127.0.0.1:${m.port} max_fails=1 fail_timeout=5s;`).join("\n")
  let conf = readFileSync(join(repoRoot, "deploy/nginx/nginx.conf"), "utf8")
  for (const role of ["api", "distributor", "generator"] as const) {
    conf = conf.replace(new RegExp(`^ {4}server ${role}:8080[^\\n]*$`, "m"), servers(role))
  }
  return conf
    .replace("resolver 127.0.0.11", "resolver 127.0.0.1")
    .replace("listen 8080;", `listen 127.0.0.1:${port};`)
    .replace("pid /tmp/nginx.pid;", `pid ${dir}/nginx.pid;`)
    .replace("access_log /dev/stdout;", "access_log off;")
    .replace("error_log /dev/stderr warn;", `error_log ${dir}/error.log warn;`)
}

if (probe.error !== undefined || version === null) {
  console.warn(`\n[gateway] nginx not found (${nginxBin}): deploy/nginx/nginx.conf is not exercised; run deploy/ci/install-nginx.sh\n`)
  // In CI nothing may be skipped: a missing nginx is a failure there.
  if (process.env.CI === "true") {
    const missing = suite("nginx gateway in front of the topology")
    missing("nginx is installed (deploy/ci/install-nginx.sh)", () => assert.unreachable(`nginx not found (${nginxBin})`))
    missing.run()
  }
} else {
  const test = suite("nginx gateway in front of the topology")
  let topo: Topology
  let nginx: ChildProcess | undefined
  let base = ""
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-gateway-"))

  const gateway = setUp(async () => {
    topo = await startTopology()
    const port = await freePort()
    writeFileSync(join(dir, "nginx.conf"), gatewayConfig(topo, port, dir))
    const check = spawnSync(nginxBin, ["-t", "-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], { encoding: "utf8" })
    assert.is(check.status, 0, `nginx -t: ${check.stderr}`)
    nginx = spawn(nginxBin, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log"), "-g", "daemon off;"], { stdio: "ignore" })
    base = `http://127.0.0.1:${port}`
    await eventually("the gateway answers", 5_000, async () => ((await fetch(`${base}/gateway/healthz`)).status === 200 ? true : undefined))
    return base
  })
  test.before(gateway.hook)
  // Inside each test's own try, so a failed set-up fails every test with its error.
  test.before.each(() => {
    gateway.get()
  })

  test.after(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx?.once("exit", r))
      nginx.kill("SIGTERM")
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))])
    }
    await topo?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test("every path reaches the role that serves it, with or without the /api/ prefix", async () => {
    const statusOf = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { accept: "application/json" } })
      await res.text()
      return res.status
    }
    // /logs only exists on distributors and /generator only on the generator: a 200 proves the route.
    for (const path of ["/logs", "/api/logs?sample=3", "/generator", "/api/generator", "/queues", "/api/queues", "/whoami", "/healthz", "/"]) {
      assert.is(await statusOf(path), 200, path)
    }
  })

  test("api replicas share the requests", async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/whoami`)
      seen.add(((await res.json()) as { instance_id: string }).instance_id)
    }
    assert.equal([...seen].sort(), topo.of("api").map((m) => m.instanceId).sort())
  })

  test("SSE passes through the gateway as it happens: one event arrives at once, a burst arrives in order", async () => {
    const source = uniqueName("gw")
    const [marker] = await ingest(topo.of("api")[0], events(source, "marker", 0, 1))
    const sub = subscribe(`${base}/api/subscribe?source=${source}`, marker)
    try {
      await sub.opened
      await fetch(`${base}/ingest`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events(source, "one", 0, 1)) })
      const sent = Date.now()
      await eventually("a single small event passes the gateway", 2_000, async () => (sub.events.length >= 1 ? true : undefined))
      assert.ok(Date.now() - sent < 2_000)
      await fetch(`${base}/ingest`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events(source, "b", 0, 50)) })
      await eventually("the burst passes the gateway", 5_000, async () => (sub.events.length >= 51 ? true : undefined))
      sameSequence(messages(sub.events), ["one-0", ...events(source, "b", 0, 50).map((e) => e.message)], "SSE through nginx")
    } finally {
      sub.close()
    }
  })

  test.run()
}
