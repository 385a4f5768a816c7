import { loadTokenizer } from '../../src/models/count-tokens.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { applyHeapGrowth } from '../../src/platform/heap-growth.ts';
import { type ConcurrencyRoundOptions, measureConcurrency } from './measure-concurrency.ts';

/**
 * One concurrency round in a process of its own (`concurrency-bench.ts` starts it): RSS per run in
 * flight is measured against this process's idle worker, which an earlier round's heap, never
 * handed back to the system, would inflate. Options in `ROUND_OPTIONS` (JSON); the round's result
 * is the last line of stdout.
 */
// The heap's growth as `agentruns serve` and `agentruns worker` set it, and the tokenizer loaded as
// they load it when a provider can be called (the round's model is a named provider).
applyHeapGrowth(loadConfig().heapGrowthPercent);
loadTokenizer();
const options = JSON.parse(process.env.ROUND_OPTIONS ?? '') as ConcurrencyRoundOptions;
const round = await measureConcurrency(options);
process.stdout.write(`${JSON.stringify(round)}\n`);
