/** A module `forkModule` starts in the tests: answers one message with it and where its code runs from. */
const typed: number = 1; // a type annotation: only runs as TypeScript compiled one way or another
process.once('message', (message) => {
  process.send?.({ echo: message, url: import.meta.url, typed }, undefined, {}, () => process.exit(0));
});
