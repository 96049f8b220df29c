/** Stop and start one local server from a fault test; it comes back on the same ports. */
export { startService, statusOf, stopService } from '../../local/services/manager.ts';
