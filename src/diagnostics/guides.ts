// Troubleshooting guides as data, in zh-CN and en, from the seed's steps (card slot, printer, network)
// extended with battery: each step is an instruction with outcomes that lead to another step, a
// resolution, or escalation to a technician with the likely parts. Pure: walking a guide is a lookup.
import type { Rule } from './heartbeat.rules.ts';
import type { Localised } from './rule-labels.ts';

/**
 * `continues`: an escalation that only means "this step did not fix it" (not a finding such as damage):
 * a run whose steps were reordered by what fixed terminals goes on to the steps it has not tried yet.
 */
export type Next = { step: string } | { resolved: true } | { escalate: true; parts: string[]; continues?: true };

export interface GuideStep {
  instruction: Localised;
  outcomes: { id: string; label: Localised; next: Next }[];
}

export interface Guide {
  id: string;
  title: Localised;
  /** Incidents of these rules are worked through with this guide. */
  rules: readonly Rule[];
  firstStep: string;
  steps: Record<string, GuideStep>;
  /** Who keeps the guide: told when a step never helps on a model. */
  owner: string;
  /** The faults it is for, as a sentence names them ("fixed 62 % of A920 card-slot faults"). */
  faults: Localised;
  /** The parts to send when every step was tried and none fixed it. */
  fallbackParts: string[];
}

const o = (id: string, zh: string, en: string, next: Next) => ({ id, label: { 'zh-CN': zh, en }, next });
const go = (step: string): Next => ({ step });
const RESOLVED: Next = { resolved: true };
const escalate = (...parts: string[]): Next => ({ escalate: true, parts });
const notFixed = (...parts: string[]): Next => ({ escalate: true, parts, continues: true });

export const GUIDES: readonly Guide[] = [
  {
    id: 'card_slot',
    title: { 'zh-CN': '读卡器无法读卡', en: 'The card reader cannot read cards' },
    rules: ['card_reader_chip', 'card_reader_swipe', 'card_reader_contactless'],
    firstStep: 'clean_slot',
    owner: 'field-support',
    faults: { 'zh-CN': '读卡槽故障', en: 'card-slot faults' },
    fallbackParts: ['card reader'],
    steps: {
      clean_slot: {
        instruction: { 'zh-CN': '用软布或清洁卡清洁卡槽，然后用一张卡试刷。', en: 'Clean the card slot with a soft cloth or a cleaning card, then try a card.' },
        outcomes: [o('reads', '可以读卡', 'The card reads', RESOLVED), o('still_fails', '仍然无法读卡', 'It still fails', go('inspect_slot'))],
      },
      inspect_slot: {
        instruction: { 'zh-CN': '检查卡槽有无损坏、异物或加装的可疑装置。', en: 'Check the slot for damage, foreign objects or anything fitted over it.' },
        outcomes: [
          o('damaged', '有损坏', 'It is damaged', escalate('card reader')),
          o('foreign_object', '有异物或可疑装置', 'There is a foreign object or device', escalate('card reader', 'inspection')),
          o('looks_fine', '外观正常', 'It looks fine', go('other_card')),
        ],
      },
      other_card: {
        instruction: { 'zh-CN': '换一张卡（接触式和非接）再试。', en: 'Try another card, by chip and contactless.' },
        outcomes: [o('other_card_works', '其他卡可以读', 'Another card reads', RESOLVED), o('all_fail', '都无法读卡', 'No card reads', notFixed('card reader'))],
      },
    },
  },
  {
    id: 'printer',
    title: { 'zh-CN': '打印机不出小票', en: 'The printer prints no receipts' },
    rules: ['printer_paper_low', 'printer_paper_out', 'printer_jam', 'printer_cover_open'],
    firstStep: 'check_paper',
    owner: 'field-support',
    faults: { 'zh-CN': '打印机故障', en: 'printer faults' },
    fallbackParts: ['printer module'],
    steps: {
      check_paper: {
        instruction: { 'zh-CN': '打开打印机盖，检查纸卷：有纸、热敏面朝外、装到位。', en: 'Open the printer cover and check the roll: paper is there, thermal side out, seated properly.' },
        outcomes: [o('refilled', '已换纸或重新装纸', 'Paper refilled or reseated', go('test_print')), o('paper_ok', '纸正常', 'The paper is fine', go('clear_jam'))],
      },
      clear_jam: {
        instruction: { 'zh-CN': '清除卡住的纸屑，检查色带或墨盒（如有），然后关紧打印机盖。', en: 'Clear any jammed paper, check the ribbon or ink (if any), then close the cover firmly.' },
        outcomes: [o('cleared', '已处理', 'Done', go('test_print')), o('cover_wont_close', '盖子关不上', 'The cover will not close', escalate('printer cover'))],
      },
      test_print: {
        instruction: { 'zh-CN': '打印一张测试页。', en: 'Print a test page.' },
        outcomes: [o('prints', '打印正常', 'It prints', RESOLVED), o('no_print', '仍不打印', 'Still nothing', go('check_connection'))],
      },
      check_connection: {
        instruction: { 'zh-CN': '检查打印机连接（外接打印机的数据线和电源），重启终端后再打印。', en: 'Check the printer connection (cable and power of an external printer), restart the terminal and print again.' },
        outcomes: [o('prints', '打印正常', 'It prints', RESOLVED), o('no_print', '仍不打印', 'Still nothing', notFixed('printer module'))],
      },
    },
  },
  {
    id: 'network',
    title: { 'zh-CN': '终端无法联网', en: 'The terminal cannot connect' },
    rules: ['offline', 'site_network_down', 'network_flapping', 'weak_signal', 'high_latency'],
    firstStep: 'check_link',
    owner: 'network-support',
    faults: { 'zh-CN': '网络故障', en: 'network faults' },
    fallbackParts: ['network module'],
    steps: {
      check_link: {
        instruction: { 'zh-CN': '检查网线是否插好、无破损；使用 Wi-Fi 时确认已连接正确的网络。', en: 'Check the Ethernet cable is plugged in and undamaged; on Wi-Fi, check it is joined to the right network.' },
        outcomes: [o('fixed', '重新连接后恢复', 'Back online after reconnecting', RESOLVED), o('still_offline', '仍然无法联网', 'Still offline', go('check_router'))],
      },
      check_router: {
        instruction: { 'zh-CN': '检查路由器是否正常工作：其他设备能否上网？必要时重启路由器。', en: 'Check the router works: can other devices get online? Restart it if needed.' },
        outcomes: [
          o('router_fixed', '重启路由器后恢复', 'Back after restarting the router', RESOLVED),
          o('router_down', '路由器或宽带故障', 'The router or line is down', escalate('network provider')),
          o('router_ok', '其他设备正常', 'Other devices are fine', go('restart_terminal')),
        ],
      },
      restart_terminal: {
        instruction: { 'zh-CN': '重启终端，等待两分钟后查看是否联网。', en: 'Restart the terminal and wait two minutes for it to connect.' },
        outcomes: [o('online', '已联网', 'It is online', RESOLVED), o('offline', '仍然离线', 'Still offline', notFixed('network module'))],
      },
    },
  },
  {
    id: 'battery',
    title: { 'zh-CN': '电池问题', en: 'Battery problems' },
    rules: ['battery_health_low', 'battery_not_charging', 'battery_high_cycles', 'battery_deep_discharge'],
    firstStep: 'check_charger',
    owner: 'field-support',
    faults: { 'zh-CN': '电池故障', en: 'battery faults' },
    fallbackParts: ['battery'],
    steps: {
      check_charger: {
        instruction: { 'zh-CN': '检查电源适配器和充电线是否插紧、无破损，充电指示灯是否亮起。', en: 'Check the power adapter and cable are firmly plugged in and undamaged, and the charging light is on.' },
        outcomes: [o('charging_now', '已开始充电', 'It charges now', go('charge_wait')), o('not_charging', '仍不充电', 'It still does not charge', go('check_battery'))],
      },
      charge_wait: {
        instruction: { 'zh-CN': '充电 30 分钟后查看电量是否上升。', en: 'Charge for 30 minutes and check the charge rises.' },
        outcomes: [o('rises', '电量上升', 'The charge rises', RESOLVED), o('drains', '电量不升或很快耗尽', 'It does not rise or drains fast', go('check_battery'))],
      },
      check_battery: {
        instruction: { 'zh-CN': '关机后检查电池是否鼓包、松动或触点脏污（请勿继续使用鼓包电池）。', en: 'Switch off and check the battery for swelling, looseness or dirty contacts (do not use a swollen battery).' },
        outcomes: [
          o('reseated', '重新安装后正常', 'Fine after reseating it', RESOLVED),
          o('swollen_or_worn', '鼓包或老化', 'Swollen or worn out', escalate('battery')),
          o('looks_fine', '外观正常', 'It looks fine', notFixed('battery', 'charging port')),
        ],
      },
    },
  },
];

export const guideById = (id: string): Guide | undefined => GUIDES.find((g) => g.id === id);
export const guideForRule = (rule: string): Guide | undefined => GUIDES.find((g) => (g.rules as readonly string[]).includes(rule));

/** Where an answer leads; undefined when the outcome is not one of the step's. */
export function answer(guide: Guide, stepId: string, outcomeId: string): Next | undefined {
  return guide.steps[stepId]?.outcomes.find((x) => x.id === outcomeId)?.next;
}

/** One step in one language, as a person or a terminal shows it. */
export function renderStep(guide: Guide, stepId: string, locale: 'zh-CN' | 'en') {
  const step = guide.steps[stepId]!;
  return { id: stepId, instruction: step.instruction[locale], outcomes: step.outcomes.map((x) => ({ id: x.id, label: x.label[locale] })) };
}
