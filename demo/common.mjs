// Helpers the demo and benchmark scripts share.

/** `--name value` pairs of the command line as an object. */
export const parseArgs = argv => Object.fromEntries(argv.reduce((pairs, arg, i, all) =>
  arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));

export const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Polls `probe` until it returns something truthy (returned), or throws naming `what` after `timeoutMs`. */
export async function waitFor(what, probe, timeoutMs = 60000, everyMs = 20) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
