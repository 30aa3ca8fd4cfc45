/** Prints the README's configuration table from src/config.ts (`npx tsx scripts/config-table.ts`). */
import { variables } from "../src/config.ts"

const escape = (s: string) => s.replace(/\|/g, "\\|")
console.log("| variable | default | meaning |")
console.log("| --- | --- | --- |")
for (const v of variables) console.log(`| \`${v.env}\` | \`${escape(v.default)}\` | ${escape(v.description)} |`)
