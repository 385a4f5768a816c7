import { startFakeProviderServer } from '../../test/support/fake-provider-server.ts';

/**
 * The concurrency bench's model, in its own process: the test suite's fake OpenAI Chat
 * Completions server, answering every request after `ANSWER_DELAY_MS` (1,000 by default) on `PORT`.
 */
const server = await startFakeProviderServer('openai-chat', {
  answerDelayMs: Number(process.env.ANSWER_DELAY_MS ?? 1000),
  port: Number(process.env.PORT),
});
console.log(`listening on ${server.baseUrl}`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
