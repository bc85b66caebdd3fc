/** Same as run-peer.ts (kept under the name the issue used). */
import './run-peer.ts';
