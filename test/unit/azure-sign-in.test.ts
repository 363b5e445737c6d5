// Who the Azure operator signs in as (credentials.ts) and what a refusal tells the user
// (errors.ts): the editor's Microsoft account first, on the public cloud only; a source that
// cannot try passes to the next, one that is refused stops the chain; refusals name the tenant,
// the subscription, the permission and a role that grants it, with the command that fixes it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RunHistoryError } from '../../src/core/clouds/azure/azureml/runHistory';
import { PUBLIC_AUTHORITY_HOST, PUBLIC_RESOURCE_MANAGER, azureSignIn } from '../../src/core/clouds/azure/credentials';
import { type AzureError, explainAzureError } from '../../src/core/clouds/azure/errors';
import type { HostTokenCredential } from '../../src/core/operators/hostSignIn';

const PUBLIC = { resourceManager: PUBLIC_RESOURCE_MANAGER, authorityHost: PUBLIC_AUTHORITY_HOST };
const TENANT = '71111111-1111-4111-8111-111111111111';
const SCOPE = `${PUBLIC_RESOURCE_MANAGER}/.default`;
const saved = { ...process.env };

before(() => {
  // No Azure login of the machine's: DefaultAzureCredential finds nothing to try.
  for (const key of Object.keys(process.env)) if (key.startsWith('AZURE_')) delete process.env[key];
});
after(() => {
  process.env = saved;
});

function editorWith(answer: () => Promise<{ token: string; expiresOnTimestamp: number } | null>) {
  const asked: { scopes: string | string[]; tenantId?: string }[] = [];
  const editor: HostTokenCredential = {
    getToken: async (scopes, options) => {
      asked.push({ scopes, ...(options?.tenantId ? { tenantId: options.tenantId } : {}) });
      return answer();
    },
  };
  return { editor, asked };
}

test('the editor’s Microsoft account answers first, asked for the operator’s tenant', async () => {
  const { editor, asked } = editorWith(async () => ({ token: 'from-vscode', expiresOnTimestamp: Date.now() + 60_000 }));
  const signIn = await azureSignIn({ ...PUBLIC, tenantId: TENANT, editor });
  assert.equal((await signIn.getToken(SCOPE))?.token, 'from-vscode');
  assert.deepEqual(asked, [{ scopes: SCOPE, tenantId: TENANT }]);
  assert.equal(signIn.signedInAs(), "VS Code's Microsoft account");
});

test('the editor’s account is not offered to a sovereign cloud or Azure Stack', async () => {
  const { editor, asked } = editorWith(async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 60_000 }));
  const signIn = await azureSignIn({
    resourceManager: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    editor,
  });
  await assert.rejects(signIn.getToken('https://management.usgovcloudapi.net/.default'));
  assert.deepEqual(asked, [], 'VS Code signs in to the public cloud only');
});

test('a source that cannot try passes to the next; when none can, the error says what each lacked', async () => {
  const { editor } = editorWith(async () => null);
  const signIn = await azureSignIn({ ...PUBLIC, editor });
  await assert.rejects(signIn.getToken(SCOPE), (error: Error) => {
    assert.equal(error.name, 'CredentialUnavailableError');
    assert.match(error.message, /VS Code's Microsoft account: not signed in; your Azure login \(az login/);
    return true;
  });
});

test('a source that tries and is refused stops the chain, and is named as the identity used', async () => {
  const { editor } = editorWith(async () => {
    throw Object.assign(new Error('AADSTS50076: multi-factor authentication is required'), {
      name: 'AuthenticationError',
    });
  });
  const signIn = await azureSignIn({
    ...PUBLIC,
    editor,
    servicePrincipal: { tenantId: TENANT, clientId: 'c', clientSecret: 's' },
  });
  await assert.rejects(signIn.getToken(SCOPE), /AADSTS50076/);
  assert.equal(signIn.signedInAs(), "VS Code's Microsoft account", 'the service principal was not tried');
});

const target = {
  workspace: 'ws',
  resourceGroup: 'g',
  subscriptionId: '73333333-3333-4333-8333-333333333333',
  signIn: 'the service principal c',
  tenantId: TENANT,
};
const armError = (code: string, message: string, statusCode = 401): AzureError =>
  Object.assign(new Error(message), { name: 'RestError', code, statusCode });

test('refusals name the tenant to sign in to, the permission and a role, and the command that fixes it', () => {
  const otherTenant = '79999999-9999-4999-8999-999999999999';
  assert.match(
    explainAzureError(
      armError(
        'InvalidAuthenticationTokenTenant',
        `The access token is from the wrong issuer 'https://sts.windows.net/${TENANT}/'. It must match the tenant 'https://sts.windows.net/${otherTenant}/' associated with this subscription.`,
      ),
      target,
    ),
    new RegExp(`belongs to tenant ${otherTenant}: sign in there \\(az login --tenant ${otherTenant}\\)`),
  );
  const jobsWrite = {
    doing: 'create jobs in workspace ws',
    action: 'Microsoft.MachineLearningServices/workspaces/jobs/write',
    role: 'AzureML Data Scientist',
  };
  assert.match(
    explainAzureError(armError('AuthorizationFailed', 'The client c does not have authorization', 403), {
      ...target,
      call: jobsWrite,
    }),
    /^Permission denied: the identity may not create jobs in workspace ws \(needs Microsoft\.MachineLearningServices\/workspaces\/jobs\/write, e\.g\. the AzureML Data Scientist role .*az role assignment create --role "AzureML Data Scientist".*signed in as the service principal c\)\. The client c/,
  );
  assert.match(
    explainAzureError(new RunHistoryError('Azure ML run history answered 403: no access', 403) as AzureError, {
      ...target,
      call: {
        ...jobsWrite,
        doing: 'read job runs',
        action: 'Microsoft.MachineLearningServices/workspaces/experiments/runs/read',
      },
    }),
    /^Permission denied: the identity may not read job runs \(needs .*experiments\/runs\/read/,
  );
  assert.match(
    explainAzureError(Object.assign(new Error('none'), { name: 'CredentialUnavailableError' }), target),
    new RegExp(`^No Azure credentials found: run "az login --tenant ${TENANT}", or set the operator's tenant ID`),
  );
  // In the editor, on the public cloud, the chain asked VS Code's Microsoft account first: say where to sign in.
  assert.match(
    explainAzureError(Object.assign(new Error('none'), { name: 'CredentialUnavailableError' }), {
      ...target,
      editorSignIn: true,
    }),
    /^No Azure credentials found: run "az login --tenant [^"]+", or sign in with Microsoft from VS Code's Accounts menu, or set the operator's tenant ID/,
  );
  assert.match(
    explainAzureError(armError('ExpiredAuthenticationToken', 'The token has expired'), target),
    new RegExp(`Sign in again \\(az login --tenant ${TENANT}\\)`),
  );
});
