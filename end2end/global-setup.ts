// Starts the demo server every test shares (see server.ts) and hands its address to the tests
// through TANHUI_E2E_URL. The returned function stops it.
import { startServer } from './server';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const server = await startServer({ TANHUI_DEMO: 'true', TANHUI_DEMO_HOUSEHOLDS: '1500' });
  process.env.TANHUI_E2E_URL = server.url;
  return server.stop;
}
