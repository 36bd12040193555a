import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { WeftApi } from './api.js';

/** The gateway clients every page uses; provided once by the app. */
export const ApiContext = createContext<WeftApi | undefined>(undefined);

/** The app's {@link WeftApi}; throws when rendered outside the provider (a wiring bug). */
export function useApi(): WeftApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi() needs an <ApiContext.Provider> above it');
  return api;
}
