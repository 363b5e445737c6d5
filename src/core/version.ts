// The build (scripts/build.mjs) defines __STEPOPS_VERSION__ from package.json; sources run
// unbundled (unit tests through tsx) report "dev".
declare const __STEPOPS_VERSION__: string | undefined;

export const STEPOPS_VERSION: string = typeof __STEPOPS_VERSION__ === 'string' ? __STEPOPS_VERSION__ : 'dev';
