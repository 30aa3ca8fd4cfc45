/** @module test/broker/contract.redis — the broker contract against a real redis-server started for this file. */
import { layerRedis } from "../../src/broker/redis.ts"
import { sharedRedis } from "../helpers/redis.ts"
import { brokerContract } from "./contract.ts"

const server = await sharedRedis()

brokerContract("redis", () => layerRedis({ url: server.url })).run()
