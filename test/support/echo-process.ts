/**
 * A module `forkModule` starts in the tests: answers one message with it, the file Node runs, and
 * its own `import.meta.url` (its source's, bundled or not).
 */
const typed: number = 1; // a type annotation: only runs as TypeScript compiled one way or another
process.once('message', (message) => {
  process.send?.({ echo: message, script: process.argv[1], url: import.meta.url, typed }, undefined, {}, () =>
    process.exit(0),
  );
});
