// What a refused push to Artifact Registry tells the user: the repository to create (with the
// gcloud command) or the role to ask for; other failures are left as the registry said them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canPushTo, explainPushFailure } from '../../src/core/clouds';

const registry = { flavor: 'gcp', config: { uri: 'europe-west4-docker.pkg.dev/churn-prod/steps' } };

test('runs push to Artifact Registry; a missing repository is explained with the command that creates it', () => {
  assert.ok(canPushTo('gcp'));
  assert.equal(
    explainPushFailure(registry, 'churn', 'name unknown: Repository "steps" not found'),
    'Artifact Registry has no Docker repository "steps" in churn-prod (europe-west4). Create it with "gcloud ' +
      'artifacts repositories create steps --repository-format=docker --location=europe-west4 --project=churn-prod", ' +
      'then run again. The registry said: name unknown: Repository "steps" not found',
  );
});

test('a push the identity may not make names the role; anything else is left as it was', () => {
  assert.match(
    explainPushFailure(
      registry,
      'churn',
      'denied: Permission "artifactregistry.repositories.uploadArtifacts" denied',
    ) ?? '',
    /needs roles\/artifactregistry\.writer on the repository .*gcloud services enable artifactregistry\.googleapis\.com --project=churn-prod/,
  );
  assert.equal(explainPushFailure(registry, 'churn', 'connection reset by peer'), undefined);
  assert.equal(explainPushFailure({ flavor: 'gcp', config: { uri: 'gcr.io/x' } }, 'churn', 'not found'), undefined);
  assert.equal(
    explainPushFailure({ flavor: 'default', config: { uri: '127.0.0.1:5555' } }, 'c', 'not found'),
    undefined,
  );
});
