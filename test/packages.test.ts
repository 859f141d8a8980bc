import { expect } from 'chai'
import { requireDebianPackages, systemHost } from './helpers/packages.ts'
import type { DebianPackage, HookContext, PackageHost } from './helpers/packages.ts'
import { TestFolders } from './helpers/daemons.ts'

class Skipped extends Error {}

/** A hook context that records what the helper asks of mocha. */
function hookContext(): HookContext & { timeouts: number[] } {
  const timeouts: number[] = []
  return {
    timeouts,
    skip: () => {
      throw new Skipped()
    },
    timeout: ((ms: number) => {
      timeouts.push(ms)
    }) as HookContext['timeout']
  }
}

/** How the helper ended: went on, skipped, or failed with a message; and the lines it printed. */
async function outcome(packages: DebianPackage[], host: Omit<PackageHost, 'print'>) {
  const printed: string[] = []
  try {
    await requireDebianPackages(hookContext(), packages, { ...host, print: (line) => printed.push(line) })
    return { result: 'went on', printed }
  } catch (err) {
    if (err instanceof Skipped) return { result: 'skipped', printed }
    return { result: (err as Error).message, printed }
  }
}

/** A machine where jemalloc is out of the library path and apt-get cannot be used. */
function withoutJemalloc(ci: boolean): Omit<PackageHost, 'print'> {
  return {
    present: (pkg) => Promise.resolve(pkg !== 'libjemalloc2'),
    canInstall: () => Promise.resolve(false),
    install: () => Promise.reject(new Error('apt-get must not run')),
    ci
  }
}

describe('the helper for tests that need a Debian package', function () {
  const folders = new TestFolders()
  after(async () => {
    await folders.removeAll()
  })

  it('marks the suite pending with the exact apt-get line when the package is missing', async () => {
    expect(await outcome(['libjemalloc2', 'iproute2'], withoutJemalloc(false))).to.deep.equal({
      result: 'skipped',
      printed: ['skipped: needs Debian packages libjemalloc2: run apt-get install -y libjemalloc2 as root']
    })
  })

  it('fails the suite under CI=true instead', async () => {
    expect(await outcome(['libjemalloc2'], withoutJemalloc(true))).to.deep.equal({
      result:
        'CI=true and the suite needs Debian packages libjemalloc2: run apt-get install -y libjemalloc2 as root',
      printed: []
    })
  })

  it('installs what is missing when it can, saying so in one line', async () => {
    const installed = new Set<DebianPackage>()
    const result = await outcome(['libjemalloc2', 'iproute2'], {
      present: (pkg) => Promise.resolve(pkg === 'iproute2' || installed.has(pkg)),
      canInstall: () => Promise.resolve(true),
      install: (packages) => {
        for (const pkg of packages) installed.add(pkg)
        return Promise.resolve()
      },
      ci: true
    })
    expect(result).to.deep.equal({
      result: 'went on',
      printed: ['installing Debian packages the tests need: apt-get install -y libjemalloc2']
    })
  })

  it('finds commands on the PATH: none on an empty PATH, where apt-get cannot run either', async () => {
    const empty = await folders.make('qpq-path-')
    const skipped = await outcome(['iproute2', 'util-linux'], systemHost({ PATH: empty }))
    expect(skipped).to.deep.equal({
      result: 'skipped',
      printed: [
        'skipped: needs Debian packages iproute2, util-linux: run apt-get install -y iproute2 util-linux as root'
      ]
    })
    const failed = await outcome(['util-linux'], systemHost({ PATH: empty, CI: 'true' }))
    expect(failed.result).to.equal(
      'CI=true and the suite needs Debian packages util-linux: run apt-get install -y util-linux as root'
    )
  })
})
