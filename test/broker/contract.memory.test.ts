/** @module test/broker/contract.memory — the broker contract against the embedded (in-process) broker. */
import { layerMemory } from "../../src/broker/memory.ts"
import { brokerContract } from "./contract.ts"

brokerContract("embedded", layerMemory).run()
