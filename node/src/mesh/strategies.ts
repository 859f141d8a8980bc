import { Prophet } from './prophet.ts'
import type { ProphetParams, StrategyLog } from './prophet.ts'
import { directDelivery, epidemic, firstContact, sprayAndWait } from './strategy.ts'
import type { ForwardingStrategy, SprayMode } from './strategy.ts'

/** A strategy by name, with its parameters: what a config file or scenario names. */
export type StrategySpec =
  | { name: 'default' | 'epidemic' | 'direct-delivery' | 'first-contact' }
  | { name: 'spray-and-wait'; copies: number; mode?: SprayMode }
  | ({ name: 'prophet' } & Partial<ProphetParams>)

export const STRATEGY_NAMES = [
  'default',
  'epidemic',
  'spray-and-wait',
  'prophet',
  'direct-delivery',
  'first-contact'
] as const

export type StrategyName = (typeof STRATEGY_NAMES)[number]

/** What a strategy name stands for, with spray and wait's copies and mode. */
export function strategySpec(name: StrategyName, spray: { copies: number; mode?: SprayMode }): StrategySpec {
  return name === 'spray-and-wait' ? { name, ...spray } : { name }
}

/** The daemon's strategy when none is configured. */
export const DEFAULT_STRATEGY = epidemic

/** A fresh strategy for one engine (strategies may keep per-node state); `log` hears what peers got wrong. */
export function createStrategy(spec: StrategySpec, log?: StrategyLog): ForwardingStrategy {
  switch (spec.name) {
    case 'default':
      return DEFAULT_STRATEGY
    case 'epidemic':
      return epidemic
    case 'direct-delivery':
      return directDelivery
    case 'first-contact':
      return firstContact
    case 'spray-and-wait':
      return sprayAndWait(spec.copies, spec.mode)
    case 'prophet':
      return new Prophet(spec, log)
  }
}
