// A piscina worker for `deflate-pools.mjs`: deflates one chunk the way the evidence ZIP writer does.
import zlib from 'node:zlib';

export default ({ input, final, dictionary, level }) =>
  zlib.deflateRawSync(input, {
    level,
    finishFlush: final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
    ...(dictionary ? { dictionary } : {}),
  });
