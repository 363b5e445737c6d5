// A generic OCI registry's login: the component's username and its stored password (SecretStorage
// in the editor, STEPOPS_SECRET_<NAME>_PASSWORD in the CLI); none for an anonymous registry.
import type { RegistryLogin } from '../backend';

export const storedRegistryLogin: RegistryLogin = async (config, secret) => {
  const username = typeof config.username === 'string' ? config.username : undefined;
  if (!username) return undefined;
  return { serveraddress: String(config.uri).split('/')[0]!, username, password: (await secret('password')) ?? '' };
};
