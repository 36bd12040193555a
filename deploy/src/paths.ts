import { fileURLToPath } from 'node:url';

/** Absolute path of the `deploy/` project folder. */
export const deployDir = fileURLToPath(new URL('..', import.meta.url));

/** Absolute path of the repository root (where services' build output lives). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The overlays `deploy/k8s/overlays/<name>` that users deploy. */
export const overlays = ['dev', 'prod'] as const;

/** One of {@link overlays}. */
export type OverlayName = (typeof overlays)[number];
