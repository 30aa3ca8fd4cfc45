/** @module test/broker/contract.cluster — the same broker contract against a local 3-master Redis Cluster. */
import { layerRedis } from "../../src/broker/redis.ts"
import { startRedisCluster } from "../deploy/redisCluster.ts"
import { brokerContract } from "./contract.ts"

const cluster = await startRedisCluster()
const contract = brokerContract("redis-cluster", () => layerRedis({ url: cluster.url, clusterNodes: cluster.nodes }))
contract.after(() => cluster.stop())
contract.run()
