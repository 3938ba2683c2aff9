// Messages an operator puts on a terminal's screen: sent as a show_message command with the next
// heartbeat (the terminal protocol's own command queue), shown until the shop's staff acknowledge
// them on the terminal; the acknowledgement — when and by whom — is recorded and shown to the operator.
import { randomUUID } from 'node:crypto';
import { fromCatalogue, orNotFound } from '../shared/errors.ts';
import type { Clock } from '../shared/time.ts';
import type { CommandQueue } from './artifacts.service.ts';
import type { AssistanceRepository, ScreenMessageRow } from './assistance.repository.ts';
import type { ScreenMessageInput, ScreenMessageView, ShowMessagePayload } from './assistance.schemas.ts';

export class ScreenMessagesService {
  constructor(private readonly repo: AssistanceRepository, private readonly commands: Pick<CommandQueue, 'queueCommandOnce'>, private readonly clock: Clock) {}

  async send(terminalId: string, input: ScreenMessageInput, by: string): Promise<ScreenMessageView> {
    const id = randomUUID();
    const sentAt = this.clock().toISOString();
    const payload: ShowMessagePayload = { messageId: id, text: input.text, sentAt };
    const { command } = await this.commands.queueCommandOnce(terminalId, { type: 'show_message', payload: { ...payload } }, by);
    const row: ScreenMessageRow = {
      id, terminal_id: terminalId, command_id: command.id, text: input.text, state: 'sent', sent_by: by, sent_at: sentAt, shown_at: null, acknowledged_at: null, acknowledged_by: null,
    };
    await this.repo.insertMessage(row);
    return view(row);
  }

  async list(terminalId: string, limit = 50): Promise<{ items: ScreenMessageView[] }> {
    return { items: (await this.repo.listMessages(terminalId, limit)).map(view) };
  }

  /** The terminal shows it (the SDK says so when it puts it on screen). */
  async shown(terminalId: string, messageId: string): Promise<ScreenMessageView> {
    await this.mine(terminalId, messageId);
    await this.repo.markShown(messageId, this.clock().toISOString());
    return view((await this.repo.findMessage(messageId))!);
  }

  /** Staff acknowledged it on the terminal. A repeat (a retried request) answers the first acknowledgement. */
  async acknowledge(terminalId: string, messageId: string, by: string): Promise<{ message: ScreenMessageView; first: boolean }> {
    const before = await this.mine(terminalId, messageId);
    if (before.state === 'acknowledged') {
      if (before.acknowledged_by === by) return { message: view(before), first: false };
      throw fromCatalogue('conflict', 'assistance.message_acknowledged', {}, { field: 'messageId', retryable: false });
    }
    const first = await this.repo.acknowledge(messageId, this.clock().toISOString(), by);
    return { message: view((await this.repo.findMessage(messageId))!), first };
  }

  private async mine(terminalId: string, messageId: string): Promise<ScreenMessageRow> {
    const row = await this.repo.findMessage(messageId);
    if (!row || row.terminal_id !== terminalId) return orNotFound('message', messageId);
    return row;
  }
}

function view(row: ScreenMessageRow): ScreenMessageView {
  return {
    id: row.id, terminalId: row.terminal_id, commandId: row.command_id, text: row.text, state: row.state, sentBy: row.sent_by, sentAt: row.sent_at,
    shownAt: row.shown_at, acknowledgedAt: row.acknowledged_at, acknowledgedBy: row.acknowledged_by,
  };
}
