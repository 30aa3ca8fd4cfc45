/**
 * @module test/helpers/expiry — a record's TTL read the same way on both
 * brokers (the Broker interface has no TTL read), to compare with the
 * `expires_at` field the scripts write (worker/scripts/expireAt). PEXPIRETIME
 * needs Redis ≥ 7.0 (the tests' redis-server; Fluxgate itself needs 6.2).
 */
import type { Script } from "../../src/broker/Script.ts"

/** `[PTTL, absolute expiry in ms]` of KEYS[1]; the expiry is -2 when the key is missing, -1 without a TTL. */
export const ttlOf: Script = {
  name: "test_ttlOf",
  numberOfKeys: 1,
  lua: "local rcall = redis.call\nreturn {rcall(\"PTTL\", KEYS[1]), rcall(\"PEXPIRETIME\", KEYS[1])}",
  embedded: (store, keys) => {
    const ttl = store.pttl(keys[0])
    return [ttl, ttl < 0 ? ttl : store.now() + ttl]
  }
}
