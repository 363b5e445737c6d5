// Sign-ins the host application holds for its user, offered to the clouds' credential chains.
// VS Code keeps accounts (its Microsoft authentication provider) that core cannot reach, since
// core never imports vscode: the extension adapts them to this shape and hands them in through
// the OperatorContext. It is the shape of a token credential in the Azure SDKs, so a cloud can
// put one at the head of its own chain as it is. The CLI holds none.

export interface HostAccessToken {
  readonly token: string;
  /** Epoch milliseconds. */
  readonly expiresOnTimestamp: number;
}

export interface HostTokenCredential {
  /** A token for the scopes (in the tenant, when given), or null when the host holds no such sign-in. */
  getToken(scopes: string | string[], options?: { readonly tenantId?: string }): Promise<HostAccessToken | null>;
}

/** The host's sign-ins by identity provider. */
export interface HostSignIns {
  /** Microsoft Entra ID accounts (the public cloud's). */
  readonly microsoft?: HostTokenCredential;
}
