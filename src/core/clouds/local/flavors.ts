// Flavors that need no cloud: the local Docker step operator, a local folder as artifact store,
// any OCI registry (ZenML's "default" registry flavor) and the embedded orchestrator.
import { baseImage, environment } from '../../stacks/flavors/commonFields';
import type { FlavorSpec } from '../../stacks/flavors/fieldSpec';
import { LOCAL_OPERATOR_FLAVOR } from '../../stacks/model';

export const LOCAL_DOCKER: FlavorSpec = {
  type: 'step_operator',
  flavor: LOCAL_OPERATOR_FLAVOR,
  displayName: 'Docker (local)',
  icon: 'vm',
  description: "Runs the step in a container on this machine's Docker engine: try it before paying for cloud.",
  summary: ['network_mode'],
  fields: [
    {
      name: 'network_mode',
      label: 'Network',
      kind: 'enum',
      options: ['host', 'none', 'bridge'],
      default: 'host',
      description: 'Container network mode.',
    },
    environment,
    baseImage,
  ],
};

export const OCI_REGISTRY: FlavorSpec = {
  type: 'container_registry',
  flavor: 'default',
  displayName: 'OCI registry',
  icon: 'package',
  description: 'Any registry that speaks the OCI distribution API, with optional username and password.',
  summary: ['uri'],
  fields: [
    {
      name: 'uri',
      label: 'Registry',
      kind: 'string',
      required: true,
      description: 'HOST[:PORT][/PATH]',
      placeholder: 'registry.example.com:5000/team',
      pattern: {
        regex: /^[a-zA-Z0-9.-]+(:\d{1,5})?(\/[a-z0-9._/-]+)?$/,
        message: 'a registry looks like HOST[:PORT][/PATH], without http://',
      },
    },
    { name: 'username', label: 'Username', kind: 'string', description: 'Leave empty for anonymous pushes.' },
    { name: 'password', label: 'Password', kind: 'secret', description: 'Kept in the secret store.' },
  ],
};

export const LOCAL_ARTIFACT_STORE: FlavorSpec = {
  type: 'artifact_store',
  flavor: 'local',
  displayName: 'Local folder',
  icon: 'folder',
  description: 'Step outputs are kept in a folder on this machine.',
  summary: ['path'],
  fields: [
    {
      name: 'path',
      label: 'Folder',
      kind: 'string',
      required: true,
      description: 'Absolute path of the folder.',
      pattern: { regex: /^(\/|[A-Za-z]:\\|~)/, message: 'use an absolute path' },
    },
  ],
};

export const EMBEDDED_ORCHESTRATOR: FlavorSpec = {
  type: 'orchestrator',
  flavor: 'embedded',
  displayName: 'Embedded',
  icon: 'server-process',
  description:
    'stepops drives runs from the editor or the CLI: each step on its step operator, or locally in a container.',
  summary: [],
  fields: [],
};
