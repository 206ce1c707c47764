/** The training panel's page (filled in by the training panel work): says it is ready. */
import { createChannel, reportPageProblems } from '../common/messaging.js';
import { HostToPanel, type PanelToHost } from '../schema.js';

const channel = createChannel<HostToPanel, PanelToHost>(HostToPanel);
reportPageProblems(channel.log);
channel.listen(() => {});
channel.post({ type: 'ready' });
