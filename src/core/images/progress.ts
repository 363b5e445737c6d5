/** One line of build or push progress, normalised from the engine's JSON stream. */
export interface ImageProgress {
  readonly phase: 'build' | 'push';
  /** Human-readable text, e.g. a build step's output or "Pushed". */
  readonly message: string;
  /** Layer id for push progress. */
  readonly layer?: string;
  readonly current?: number;
  readonly total?: number;
}

/** The shape of one JSON object in the engine's build/push streams. */
export interface EngineStreamEvent {
  stream?: string;
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string; Digest?: string; Tag?: string; Size?: number };
}

export function toProgress(phase: ImageProgress['phase'], event: EngineStreamEvent): ImageProgress | undefined {
  const message = (event.stream ?? event.status ?? '').replace(/\n$/, '');
  if (!message) return undefined;
  return {
    phase,
    message,
    ...(event.id ? { layer: event.id } : {}),
    ...(event.progressDetail?.current !== undefined ? { current: event.progressDetail.current } : {}),
    ...(event.progressDetail?.total !== undefined ? { total: event.progressDetail.total } : {}),
  };
}

/** The engine reports build and push failures inside a 200 stream, not as an HTTP error. */
export function streamError(event: EngineStreamEvent): string | undefined {
  return event.errorDetail?.message ?? event.error;
}
