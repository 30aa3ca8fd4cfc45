/**
 * @module roster — which Layer runs for which role. Each actor module exports
 * one Layer that forks its fibers and registers its routes; `ROLES` picks them.
 */
import type { Layer } from "effect"
import type { ActorRegistry } from "./actor/registry.ts"
import type { Broker } from "./broker/Broker.ts"
import type { AppConfig, Role } from "./config.ts"
import type { HttpRoutes } from "./http/routes.ts"
import type { Lifecycle } from "./lifecycle.ts"

/** What the kernel provides to every actor. */
export type Kernel = Broker | AppConfig | ActorRegistry | HttpRoutes | Lifecycle

export type ActorLayer = Layer.Layer<never, unknown, Kernel>

/** Role → its layers, in mount order. */
export type Roster = Partial<Record<Role, ReadonlyArray<ActorLayer>>>
