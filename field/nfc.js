// Write an NFC tag with Web NFC (Chrome on Android): the label's URL as a URL record, read
// back to check it, then the chip's serial number goes to the server (through the outbox).
// The card offers this only where 'NDEFReader' exists.

import { button, fill, h, uuid } from './dom.js';
import { t } from './i18n.js';

export function view(ctx) {
  const { card } = ctx;
  const url = `${location.origin}/t/${ctx.token}`;
  const step = h('div', { class: 'stack', 'aria-live': 'polite' });
  const controller = new AbortController();
  ctx.leaving.push(() => controller.abort());

  function say(key, kind = 'info', ...more) {
    fill(step, h('p', { class: `notice ${kind}` }, t(key)), ...more);
  }

  async function verify(reader) {
    say('nfc.hold_again');
    const reading = await new Promise((resolve, reject) => {
      reader.onreading = resolve;
      reader.onreadingerror = () => reject(new Error('unreadable'));
      reader.scan({ signal: controller.signal }).catch(reject);
    });
    const record = reading.message.records.find((r) => r.recordType === 'url');
    const written = record && new TextDecoder().decode(record.data);
    if (written !== url) throw new Error('mismatch');
    return reading.serialNumber;
  }

  async function write() {
    try {
      const reader = new window.NDEFReader();
      say('nfc.hold');
      await reader.write({ records: [{ recordType: 'url', data: url }] }, { signal: controller.signal });
      const serial = await verify(reader);
      const clientId = uuid();
      await ctx.queue([{
        client_id: clientId, type: 'nfc', slug: card.municipality.slug, tag_id: card.tag.id,
        code: card.tag.short_code, body: { serial },
      }], t('done.nfc', { code: card.tag.short_code }));
    } catch (error) {
      if (controller.signal.aborted) return;
      say(error.message === 'mismatch' ? 'nfc.mismatch' : 'nfc.failed', 'danger', button(t('nfc.again'), write, 'primary'));
    }
  }

  say('nfc.ready', 'info', button(t('nfc.write'), write, 'primary'));
  return h('section', { class: 'card' },
    h('p', { class: 'type' }, card.tag.short_code),
    h('h1', {}, t('nfc.title')),
    step,
    button(t('common.cancel'), () => ctx.showCard(), 'plain'));
}
