import { render } from 'preact';
import { createWeftApi } from './api.js';
import { ApiContext } from './api-context.js';
import { App } from './app.js';
import { loadToken, saveToken } from './token-store.js';

// The dashboard only ever talks to the gateway that served it, through the public API.
let token = loadToken();
const api = createWeftApi(location.origin, () => token);
const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
render(
  <ApiContext.Provider value={api}>
    <App
      token={token}
      onTokenSave={(t) => {
        token = t.trim();
        saveToken(t);
      }}
    />
  </ApiContext.Provider>,
  root,
);
