// Fields and shapes several flavors share (step operators' base image and environment, the
// bucket-path artifact stores), declared once; each flavor lives in its backend's folder.
import type { FieldSpec, FlavorSpec } from './fieldSpec';

export const baseImage: FieldSpec = {
  name: 'base_image',
  label: 'Base image',
  kind: 'string',
  description: 'Parent image of the step image; the project code and requirements are layered on top.',
  placeholder: 'python:3.11-slim',
};

export const environment: FieldSpec = {
  name: 'environment',
  label: 'Environment variables',
  kind: 'string-map',
  description: 'Extra environment variables for the job, as KEY=VALUE pairs separated by commas.',
  placeholder: 'HF_HOME=/tmp/hf, LOG_LEVEL=debug',
};

export const bucketStore = (flavor: string, displayName: string, scheme: RegExp, example: string): FlavorSpec => ({
  type: 'artifact_store',
  flavor,
  displayName,
  icon: 'database',
  description: `Step outputs are kept in ${displayName}.`,
  summary: ['path'],
  fields: [
    {
      name: 'path',
      label: 'Path',
      kind: 'string',
      required: true,
      description: example,
      placeholder: example,
      pattern: { regex: scheme, message: `the path looks like ${example}` },
    },
  ],
});
