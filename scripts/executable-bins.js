// Makes the built files package.json names as bins executable: tsc writes them without the execute bit,
// and not every npm sets it before `npx qpq-sim` runs one through its first line.
import { chmodSync, readFileSync } from 'node:fs'

const { bin } = JSON.parse(readFileSync('package.json', 'utf8'))
for (const file of Object.values(bin)) chmodSync(file, 0o755)
