// The yaml package, loaded on first use. It is one of the build's lazily loaded packages
// (scripts/build.mjs: dist/vendor/yaml.js), so activation never parses it: the stacks file, the
// workspace config and run configurations are read after the first paint, and only then is it
// required. One import shared by every caller; a failed load is retried on the next call.
import type * as Yaml from 'yaml';

export type YamlModule = typeof Yaml;

let loading: Promise<YamlModule> | undefined;

export function loadYaml(): Promise<YamlModule> {
  loading ??= import('yaml').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
