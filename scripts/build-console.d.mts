// Types of build-console.mjs, for the tests that build the console into a temporary folder.
export declare function buildConsole(outdir?: string): Promise<string>;
