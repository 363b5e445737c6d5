// Training job names follow SageMaker's rule ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$ (no underscores,
// at most 63 characters) and are unique in an account and region, never reusable. They are
// derived from the run id alone, so that a retried submit or a reattach after a crash finds the
// job by its name instead of creating a second one.

const MAX_LENGTH = 63;

/**
 * "20261201-214512345-train_model-3f9a" -> "train-model-20261201-214512345-3f9a": the step first
 * (what users scan for in the console), then the run id's time and random part, which keep it
 * unique; the step part is what gets shortened.
 */
export function trainingJobName(runId: string): string {
  const match = /^(\d{8}-\d{9})-(.*)-([0-9a-f]+)$/.exec(runId);
  const [stamp, step, random] = match ? [match[1]!, match[2]!, match[3]!] : ['', runId, ''];
  const suffix = [stamp, random].filter(Boolean).join('-');
  const room = MAX_LENGTH - suffix.length - (suffix ? 1 : 0);
  const stepPart = clean(step).slice(0, Math.max(0, room)).replace(/-+$/, '');
  const name = [stepPart, suffix].filter(Boolean).join('-');
  return clean(name).slice(0, MAX_LENGTH).replace(/-+$/, '') || 'stepops-job';
}

/** Letters and digits joined by single hyphens, as the name rule allows. */
function clean(text: string): string {
  return text
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+/, '')
    .replace(/-+$/, '');
}

export const TRAINING_JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
