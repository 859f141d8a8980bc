import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { parse } from 'smol-toml'
import { ConfigError, defaultConfig, loadConfig, type NodeConfig } from '../node/src/config/index.ts'

const CONFIG_FOLDER = fileURLToPath(new URL('../config/', import.meta.url))
const DEFAULTS_FILE = join(CONFIG_FOLDER, 'defaults.toml')
const FREIFUNK_FILE = join(CONFIG_FOLDER, 'examples', 'freifunk.toml')
const LOOPBACK_FILE = join(CONFIG_FOLDER, 'examples', 'loopback-test.toml')

/** The error `promise` rejects with, checked to be a ConfigError. */
async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError)
    const error = err as ConfigError
    expect(error.name).to.equal('ConfigError')
    return error
  }
  return expect.fail('expected a ConfigError')
}

/** `config` with its keys spelled as in a file. */
function fileForm(config: NodeConfig): Record<string, Record<string, unknown>> {
  const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
  return Object.fromEntries(
    Object.entries(config).map(([section, values]) => [
      section,
      Object.fromEntries(Object.entries(values as Record<string, unknown>).map(([k, v]) => [snake(k), v]))
    ])
  )
}

describe('config', () => {
  let dir: string
  let count = 0

  /** Writes `text` to a new file in the temporary folder and returns its path. */
  async function configFile(text: string): Promise<string> {
    count += 1
    const path = join(dir, `config-${count}.toml`)
    await writeFile(path, text)
    return path
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qpq-config-'))
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  describe('defaults', () => {
    it('are the documented values', async () => {
      const config = await loadConfig({ env: {} })
      expect(config).to.deep.equal(defaultConfig())
      expect(config).to.deep.equal({
        node: { name: '' },
        network: {
          listen: ['/ip4/0.0.0.0/udp/0/quic-v1', '/ip4/0.0.0.0/tcp/0'],
          bootstrap: [],
          mdns: true,
          mdnsInterval: 10_000,
          maxConnections: 64,
          peerExchange: true,
          peerExchangeInterval: 30_000,
          silentTimeout: 10_000,
          maxQueuedBytesPerPeer: 8_388_608,
          maxFrameBytesInFlight: 8_388_608,
          banThreshold: 100,
          banDuration: 3_600_000
        },
        envelope: { ttl: 7 * 24 * 60 * 60 * 1000, hopLimit: 16, maxPayloadBytes: 262_144 },
        relay: {
          maxStoreBytes: 536_870_912,
          maxBytesPerPeer: 67_108_864,
          maxBytesPerRecipient: 33_554_432,
          sweepInterval: 60_000,
          strategy: 'default',
          sprayCopies: 6,
          maxWantedPerPeer: 16_384,
          maxUnacknowledgedPerPeer: 1024,
          maxUnacknowledgedBytesPerPeer: 67_108_864,
          maxReceiptHintsPerPeer: 1024,
          maxReceiptHints: 16_384,
          maxReceipts: 262_144
        },
        outbox: { staleLowAfter: 60_000, retryBase: 1000, retryCap: 300_000, maxRefusals: 5 },
        control: { socket: '' },
        mls: {
          ciphersuite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
          sealedFirstMessage: true,
          maxPendingBytesPerGroup: 4_194_304,
          maxPendingBytes: 33_554_432,
          maxStrangerStartsPerHour: 60,
          maxUnansweredStrangers: 200
        },
        directory: { enabled: true, maxIdentities: 1000, pullInterval: 300_000 },
        log: { level: 'info', redact: false, summaryInterval: 10_000 }
      })
    })

    it('take the post-quantum MLS suite and refuse one this node cannot use', async () => {
      const xwing = await loadConfig({
        env: { QPQ_MLS_CIPHERSUITE: 'MLS_256_XWING_AES256GCM_SHA512_Ed25519' }
      })
      expect(xwing.mls.ciphersuite).to.equal('MLS_256_XWING_AES256GCM_SHA512_Ed25519')
      try {
        await loadConfig({ env: { QPQ_MLS_CIPHERSUITE: 'MLS_256_XWING_AES256GCM_SHA512_MLDSA87' } })
        expect.fail('a suite with ML-DSA signatures was accepted')
      } catch (err) {
        expect((err as Error).message)
          .to.include('mls.ciphersuite')
          .and.include('must be one of')
      }
    })

    it('are a fresh copy every time', async () => {
      const first = defaultConfig()
      first.network.listen.push('/ip4/127.0.0.1/tcp/1')
      first.log.level = 'debug'
      expect(defaultConfig().network.listen).to.have.length(2)
      expect((await loadConfig({ env: {} })).log.level).to.equal('info')
    })

    it('equal config/defaults.toml exactly, key for key', async () => {
      const raw = parse(await readFile(DEFAULTS_FILE, 'utf8'))
      expect(JSON.parse(JSON.stringify(raw))).to.deep.equal(fileForm(defaultConfig()))
      expect(await loadConfig({ file: DEFAULTS_FILE, env: {} })).to.deep.equal(defaultConfig())
    })
  })

  describe('examples', () => {
    it('freifunk.toml listens on every interface on fixed QUIC and TCP ports, with mDNS', async () => {
      const config = await loadConfig({ file: FREIFUNK_FILE, env: {} })
      expect(config.network.mdns).to.equal(true)
      expect(config.network.listen).to.include.members([
        '/ip4/0.0.0.0/udp/4001/quic-v1',
        '/ip4/0.0.0.0/tcp/4001'
      ])
      for (const address of config.network.listen) expect(address).not.to.match(/\/(tcp|udp)\/0(\/|$)/)
    })

    it('loopback-test.toml listens on 127.0.0.1 only, on random ports, without mDNS', async () => {
      const config = await loadConfig({ file: LOOPBACK_FILE, env: {} })
      expect(config.network.mdns).to.equal(false)
      expect(config.network.listen).to.have.length.greaterThan(0)
      for (const address of config.network.listen)
        expect(address).to.match(/^\/ip4\/127\.0\.0\.1\/(tcp|udp)\/0(\/|$)/)
    })
  })

  describe('precedence', () => {
    it('a file replaces only the keys it sets', async () => {
      const file = await configFile(
        '[network]\nmdns = false\nmax_connections = 8\n\n[log]\nlevel = "debug"\n'
      )
      const config = await loadConfig({ file, env: {} })
      expect(config.network.mdns).to.equal(false)
      expect(config.network.maxConnections).to.equal(8)
      expect(config.log.level).to.equal('debug')
      expect(config.network.mdnsInterval).to.equal(10_000)
      expect(config.envelope).to.deep.equal(defaultConfig().envelope)
    })

    it('a file replaces lists whole', async () => {
      const file = await configFile('[network]\nlisten = ["/ip4/127.0.0.1/tcp/4001"]\n')
      const config = await loadConfig({ file, env: {} })
      expect(config.network.listen).to.deep.equal(['/ip4/127.0.0.1/tcp/4001'])
    })

    it('the environment wins over the file', async () => {
      const file = await configFile(
        '[network]\nmdns = true\nmax_connections = 8\n\n[node]\nname = "from-file"\n'
      )
      const config = await loadConfig({
        file,
        env: {
          QPQ_NETWORK_MDNS: 'false',
          QPQ_NETWORK_MAX_CONNECTIONS: '12',
          QPQ_NETWORK_LISTEN: '/ip4/127.0.0.1/tcp/0, /ip4/127.0.0.1/udp/0/quic-v1',
          QPQ_ENVELOPE_TTL: '60000',
          QPQ_LOG_LEVEL: 'warn'
        }
      })
      expect(config.network.mdns).to.equal(false)
      expect(config.network.maxConnections).to.equal(12)
      expect(config.network.listen).to.deep.equal(['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/quic-v1'])
      expect(config.envelope.ttl).to.equal(60_000)
      expect(config.log.level).to.equal('warn')
      expect(config.node.name).to.equal('from-file')
    })

    it('reads booleans as true, false, 1 or 0 and empty lists and strings as empty', async () => {
      expect((await loadConfig({ env: { QPQ_NETWORK_MDNS: '0' } })).network.mdns).to.equal(false)
      expect((await loadConfig({ env: { QPQ_NETWORK_MDNS: '1' } })).network.mdns).to.equal(true)
      expect((await loadConfig({ env: { QPQ_NETWORK_MDNS: 'true' } })).network.mdns).to.equal(true)
      const config = await loadConfig({ env: { QPQ_NETWORK_LISTEN: '', QPQ_NODE_NAME: '' } })
      expect(config.network.listen).to.deep.equal([])
      expect(config.node.name).to.equal('')
    })

    it('ignores QPQ_ variables outside the configuration sections, such as QPQ_DATA', async () => {
      const config = await loadConfig({
        env: { QPQ_DATA: '/var/lib/qpq', QPQ_SOMETHING_ELSE: 'x', HOME: '/root' }
      })
      expect(config).to.deep.equal(defaultConfig())
    })

    it('reads process.env when no environment is given', async () => {
      const saved = process.env.QPQ_NETWORK_MAX_CONNECTIONS
      process.env.QPQ_NETWORK_MAX_CONNECTIONS = '7'
      try {
        expect((await loadConfig()).network.maxConnections).to.equal(7)
      } finally {
        if (saved === undefined) delete process.env.QPQ_NETWORK_MAX_CONNECTIONS
        else process.env.QPQ_NETWORK_MAX_CONNECTIONS = saved
      }
    })

    it('overrides win over the environment and the file, and undefined overrides are ignored', async () => {
      const file = await configFile('[network]\nmax_connections = 8\nmdns_interval = 500\n')
      const config = await loadConfig({
        file,
        env: { QPQ_NETWORK_MAX_CONNECTIONS: '12', QPQ_LOG_LEVEL: 'warn' },
        overrides: { network: { maxConnections: 20, mdns: undefined }, log: { level: undefined } }
      })
      expect(config.network.maxConnections).to.equal(20)
      expect(config.network.mdnsInterval).to.equal(500)
      expect(config.network.mdns).to.equal(true)
      expect(config.log.level).to.equal('warn')
    })
  })

  describe('errors', () => {
    it('a missing file names the file', async () => {
      const path = join(dir, 'missing.toml')
      const error = await configError(loadConfig({ file: path, env: {} }))
      expect(error.key).to.equal(undefined)
      expect(error.source).to.deep.equal({ kind: 'file', path })
      expect(error.message).to.contain(path)
    })

    it('a TOML syntax error names the file, line and column', async () => {
      const path = await configFile('[network]\nmdns = true\nlisten = [\n')
      const error = await configError(loadConfig({ file: path, env: {} }))
      expect(error.key).to.equal(undefined)
      expect(error.source).to.deep.equal({ kind: 'file', path, position: { line: 4, column: 1 } })
      expect(error.message).to.match(/^.*config-\d+\.toml:4:1: invalid TOML/)
    })

    const badFiles: readonly (readonly [string, string, string, string])[] = [
      [
        'an unknown section',
        '[nework]\nmdns = false\n',
        'nework',
        'unknown key; expected one of node, network'
      ],
      ['an unknown key', '[network]\nmdsn = false\n', 'network.mdsn', 'unknown key; expected one of listen'],
      ['a camel-case key', '[network]\nmdnsInterval = 500\n', 'network.mdnsInterval', 'unknown key'],
      ['a key at the top level', 'name = "x"\n', 'name', 'unknown key'],
      ['a nested table', '[network.extra]\nx = 1\n', 'network.extra', 'unknown key'],
      ['a section that is not a table', 'network = 5\n', 'network', 'must be a table, got 5'],
      [
        'a number out of range',
        '[envelope]\nhop_limit = 65\n',
        'envelope.hop_limit',
        'between 1 and 64, got 65'
      ],
      [
        'a number below range',
        '[envelope]\nttl = 999\n',
        'envelope.ttl',
        'between 1000 and 2592000000 ms, got 999'
      ],
      ['a number above range', '[envelope]\nttl = 2_592_000_001\n', 'envelope.ttl', 'got 2592000001'],
      ['a fraction', '[network]\nmax_connections = 1.5\n', 'network.max_connections', 'integer'],
      ['zero connections', '[network]\nmax_connections = 0\n', 'network.max_connections', 'at least 1'],
      ['a string for a number', '[network]\nmdns_interval = "10s"\n', 'network.mdns_interval', 'got "10s"'],
      ['too short an mDNS interval', '[network]\nmdns_interval = 99\n', 'network.mdns_interval', 'got 99'],
      [
        'too long a timer',
        '[relay]\nsweep_interval = 2147483648\n',
        'relay.sweep_interval',
        'got 2147483648'
      ],
      ['too small a payload', '[envelope]\nmax_payload_bytes = 1023\n', 'envelope.max_payload_bytes', '1024'],
      [
        'too large a payload',
        '[envelope]\nmax_payload_bytes = 4194305\n',
        'envelope.max_payload_bytes',
        '4194304'
      ],
      ['an empty store', '[relay]\nmax_store_bytes = 0\n', 'relay.max_store_bytes', 'at least 1 bytes'],
      [
        'a string for a boolean',
        '[network]\nmdns = "yes"\n',
        'network.mdns',
        'must be true or false, got "yes"'
      ],
      [
        'a string for a list',
        '[network]\nlisten = "/ip4/127.0.0.1/tcp/0"\n',
        'network.listen',
        'must be an array'
      ],
      [
        'an invalid multiaddr',
        '[network]\nlisten = ["/ip4/127.0.0.1/tcp/0", "/ip4/x"]\n',
        'network.listen[1]',
        '"/ip4/x" is not a valid multiaddr: '
      ],
      [
        'an empty multiaddr',
        '[network]\nbootstrap = [""]\n',
        'network.bootstrap[0]',
        'is not a valid multiaddr'
      ],
      [
        'a number in a list',
        '[network]\nbootstrap = [5]\n',
        'network.bootstrap[0]',
        'must be a multiaddr string'
      ],
      [
        'a WebSocket listen address',
        '[network]\nlisten = ["/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"]\n',
        'network.listen[1]',
        '"/ip4/127.0.0.1/tcp/0/ws" is no address qpq-node listens on: use /ip4|ip6/<address>/udp/<port>/quic-v1'
      ],
      [
        'a draft-29 QUIC listen address',
        '[network]\nlisten = ["/ip4/127.0.0.1/udp/0/quic"]\n',
        'network.listen[0]',
        'is no address qpq-node listens on'
      ],
      ['an unknown log level', '[log]\nlevel = "verbose"\n', 'log.level', 'must be one of "error", "warn"'],
      ['a number for a string', '[control]\nsocket = 5\n', 'control.socket', 'must be a string, got 5'],
      ['a date for a number', '[envelope]\nttl = 1979-05-27\n', 'envelope.ttl', 'got a date']
    ]
    for (const [what, text, key, problem] of badFiles) {
      it(`a file with ${what} names ${key}`, async () => {
        const path = await configFile(text)
        const error = await configError(loadConfig({ file: path, env: {} }))
        expect(error.key).to.equal(key)
        expect(error.source).to.deep.equal({ kind: 'file', path })
        expect(error.message).to.contain(`${path}: ${key}: `)
        expect(error.message).to.contain(problem)
      })
    }

    it('the multiaddr error has the documented form', async () => {
      const path = await configFile('[network]\nlisten = ["/ip4/127.0.0.1/tcp/0", "/ip4/x"]\n')
      const error = await configError(loadConfig({ file: path, env: {} }))
      expect(error.message).to.equal(
        `${path}: network.listen[1]: "/ip4/x" is not a valid multiaddr: Invalid IPv4 address "x"`
      )
    })

    const badVariables: readonly (readonly [string, string, string, string])[] = [
      ['QPQ_NETWORK_MDNS', 'yes', 'network.mdns', '"yes" is not a boolean: use true, false, 1 or 0'],
      ['QPQ_NETWORK_MDNS', 'TRUE', 'network.mdns', 'is not a boolean'],
      ['QPQ_NETWORK_MAX_CONNECTIONS', '1e3', 'network.max_connections', '"1e3" is not a decimal number'],
      ['QPQ_NETWORK_MAX_CONNECTIONS', ' 5', 'network.max_connections', 'is not a decimal number'],
      ['QPQ_NETWORK_MAX_CONNECTIONS', '0x10', 'network.max_connections', 'is not a decimal number'],
      ['QPQ_NETWORK_MAX_CONNECTIONS', '', 'network.max_connections', 'is not a decimal number'],
      ['QPQ_NETWORK_MAX_CONNECTIONS', '2.5', 'network.max_connections', 'must be an integer'],
      ['QPQ_ENVELOPE_HOP_LIMIT', '100', 'envelope.hop_limit', 'between 1 and 64, got 100'],
      ['QPQ_ENVELOPE_HOP_LIMIT', '-1', 'envelope.hop_limit', 'got -1'],
      [
        'QPQ_NETWORK_LISTEN',
        '/ip4/127.0.0.1/tcp/0,/ip4/x',
        'network.listen[1]',
        '"/ip4/x" is not a valid multiaddr'
      ],
      ['QPQ_NETWORK_BOOTSTRAP', '/ip4/127.0.0.1/tcp/1,', 'network.bootstrap[1]', 'is not a valid multiaddr'],
      ['QPQ_LOG_LEVEL', 'verbose', 'log.level', 'must be one of'],
      ['QPQ_RELAY_STRATEGY', 'teleport', 'relay.strategy', 'must be one of "default", "epidemic"'],
      ['QPQ_RELAY_SPRAY_COPIES', '0', 'relay.spray_copies', 'between 1 and 1024'],
      ['QPQ_NETWORK_MDNSS', 'true', 'network.mdnss', 'unknown key; expected one of listen'],
      ['QPQ_LOG_FORMAT', 'json', 'log.format', 'unknown key; expected one of level']
    ]
    for (const [variable, value, key, problem] of badVariables) {
      it(`${variable}=${JSON.stringify(value)} names the variable and ${key}`, async () => {
        const error = await configError(loadConfig({ env: { [variable]: value } }))
        expect(error.key).to.equal(key)
        expect(error.source).to.deep.equal({ kind: 'env', variable })
        expect(error.message).to.contain(`${variable} (${key}): `)
        expect(error.message).to.contain(problem)
      })
    }

    it('an environment error wins over a valid file value', async () => {
      const file = await configFile('[envelope]\nhop_limit = 8\n')
      const error = await configError(loadConfig({ file, env: { QPQ_ENVELOPE_HOP_LIMIT: '0' } }))
      expect(error.key).to.equal('envelope.hop_limit')
      expect(error.source).to.deep.equal({ kind: 'env', variable: 'QPQ_ENVELOPE_HOP_LIMIT' })
    })

    it('an invalid override names the key', async () => {
      const error = await configError(loadConfig({ env: {}, overrides: { network: { maxConnections: 0 } } }))
      expect(error.key).to.equal('network.max_connections')
      expect(error.source).to.deep.equal({ kind: 'overrides' })
      expect(error.message).to.equal(
        'override network.max_connections: must be an integer of at least 1, got 0'
      )
    })

    it('an override with an invalid multiaddr names the key and index', async () => {
      const overrides = { network: { bootstrap: ['/ip4/127.0.0.1/tcp/1', 'nonsense'] } }
      const error = await configError(loadConfig({ env: {}, overrides }))
      expect(error.key).to.equal('network.bootstrap[1]')
      expect(error.message).to.contain('"nonsense" is not a valid multiaddr')
    })

    it('an unknown override names the key', async () => {
      const overrides = { network: { max_connections: 3 } } as unknown as NodeConfig
      const error = await configError(loadConfig({ env: {}, overrides }))
      expect(error.key).to.equal('network.max_connections')
      expect(error.message).to.contain('unknown key; expected one of listen, bootstrap, mdns, mdnsInterval')
    })

    it('an aborted load rejects with the abort, not a ConfigError', async () => {
      const controller = new AbortController()
      controller.abort()
      try {
        await loadConfig({ file: DEFAULTS_FILE, env: {}, signal: controller.signal })
        expect.fail('expected an AbortError')
      } catch (err) {
        expect(err).not.to.be.instanceOf(ConfigError)
        expect((err as Error).name).to.equal('AbortError')
      }
    })
  })
})
