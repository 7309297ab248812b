/** The package version; spec/package.spec.ts keeps it equal to package.json's. */
export const VERSION = '0.1.0';
