/** handler.node on node:http (examples/notify-node.ts), delivered to by the sandbox. */
import { serve } from '../../examples/notify-node.js';
import { adapterSuite } from './notify-harness.js';

adapterSuite('handler.node (node:http)', serve);
