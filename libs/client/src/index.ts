// @weft/client: the typed TypeScript client of a Weft gateway (Node; browsers: @weft/client/web).
export { createWeftClient } from './create-weft-client.js';
export * from './public-api.js';
