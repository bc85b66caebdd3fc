/** The `wgtrain` command line, run on this process's arguments (program.node.ts holds it). */
import { runWgtrain } from './program.node.ts';

const code = await runWgtrain(process.argv.slice(2));
// Dawn keeps the event loop alive while devices exist; the work is done.
process.exit(code);
