// The seed's maintenance calendar as PosFleet's default templates (zh-CN and en): daily care by the
// merchant's staff, weekly and monthly checks partly done remotely through the terminal protocol,
// quarterly and yearly visits by a technician. Every technician visit also covers the seed's list:
// clean sensors, printer and keypad, check cables, update software and firmware, back up data, run
// hardware diagnostics, check security measures.

import type { LocalText } from '../work-orders/work-orders.schemas.ts';

export const PERFORMERS = ['merchant_staff', 'technician', 'remote'] as const;
export type Performer = (typeof PERFORMERS)[number];

export type Text = LocalText;
export interface ChecklistItemTemplate { code: string; text: Text; required: boolean }
export interface TaskTemplate { code: string; name: Text; performer: Performer; skill: string | null; checklist: ChecklistItemTemplate[] }
export interface TemplateData { code: string; name: Text; intervalDays: number; tasks: TaskTemplate[] }

const item = (code: string, zh: string, en: string, required = true): ChecklistItemTemplate => ({ code, text: { 'zh-CN': zh, en }, required });

/** What every technician visit covers (seed, part 3). */
const VISIT: ChecklistItemTemplate[] = [
  item('clean-sensors-printer-keypad', '清洁传感器、打印机和键盘', 'Clean sensors, printer and keypad'),
  item('check-cables', '检查线缆', 'Check cables'),
  item('update-software-firmware', '更新软件和固件', 'Update software and firmware'),
  item('backup-data', '备份数据', 'Back up data'),
  item('run-diagnostics', '运行硬件诊断', 'Run hardware diagnostics'),
  item('check-security', '检查安全措施', 'Check security measures'),
];

export const DEFAULT_TEMPLATES: readonly TemplateData[] = [
  {
    code: 'daily', name: { 'zh-CN': '日常保养', en: 'Daily care' }, intervalDays: 1,
    tasks: [{
      code: 'daily-care', name: { 'zh-CN': '日常检查与清洁', en: 'Daily check and cleaning' }, performer: 'merchant_staff', skill: null,
      checklist: [
        item('printer-paper-jam', '检查打印机是否卡纸', 'Check the printer for paper jams'),
        item('consumables', '检查耗材（打印纸）是否不足', 'Check for low consumables (paper)'),
        item('clean-screen-keypad', '清洁显示屏和键盘', 'Clean the display and keypad'),
        item('clean-casing-slot', '用软布清洁机身和卡槽', 'Clean the casing and card slot with a soft cloth', false),
        item('power-connectors', '检查电源和接口是否牢固无损', 'Check that power and connectors are firm and undamaged', false),
      ],
    }],
  },
  {
    code: 'weekly', name: { 'zh-CN': '每周检查', en: 'Weekly check' }, intervalDays: 7,
    tasks: [
      {
        code: 'weekly-remote', name: { 'zh-CN': '远程检查：软件更新与数据备份', en: 'Remote check: software updates and data backup' }, performer: 'remote', skill: 'software',
        checklist: [
          item('software-update-check', '检查软件更新', 'Check for software updates'),
          item('data-backup', '备份数据', 'Back up data'),
        ],
      },
      {
        code: 'weekly-connections', name: { 'zh-CN': '检查连接', en: 'Check connections' }, performer: 'merchant_staff', skill: null,
        checklist: [item('connections', '检查网线、Wi-Fi 和路由器连接', 'Check the Ethernet cable, Wi-Fi and router connections')],
      },
    ],
  },
  {
    code: 'monthly', name: { 'zh-CN': '每月全面维护', en: 'Monthly full maintenance' }, intervalDays: 30,
    tasks: [
      {
        code: 'monthly-remote', name: { 'zh-CN': '远程自检与安全检查', en: 'Remote self-test and security check' }, performer: 'remote', skill: 'software',
        checklist: [
          item('self-test', '运行硬件自检', 'Run the hardware self-test'),
          item('security-check', '检查安全设置（PIN 输入、数据加密）', 'Check security settings (PIN entry, data encryption)'),
        ],
      },
      {
        code: 'monthly-cleaning', name: { 'zh-CN': '彻底清洁', en: 'Thorough cleaning' }, performer: 'technician', skill: 'general',
        checklist: [
          item('deep-clean', '彻底清洁机身、卡槽、打印机', 'Thoroughly clean the casing, card slot and printer'),
          item('card-reader', '检查读卡器（接触式、磁条、非接）', 'Check the card reader (chip, swipe, contactless)'),
        ],
      },
    ],
  },
  {
    code: 'quarterly', name: { 'zh-CN': '每季度预防性维护', en: 'Quarterly preventive maintenance' }, intervalDays: 91,
    tasks: [{
      code: 'quarterly-visit', name: { 'zh-CN': '更换磨损部件、检查电池', en: 'Replace worn parts, check the battery' }, performer: 'technician', skill: 'hardware',
      checklist: [
        item('worn-parts', '更换磨损部件（打印头、线缆等）', 'Replace worn parts (printer head, cables, ...)'),
        item('battery', '检查电池电量和健康度，必要时更换', 'Check battery charge and health; replace when needed'),
        item('potential-problems', '排查并修复潜在问题', 'Find and fix potential problems'),
        ...VISIT,
      ],
    }],
  },
  {
    code: 'yearly', name: { 'zh-CN': '年度大修', en: 'Yearly overhaul' }, intervalDays: 365,
    tasks: [{
      code: 'yearly-overhaul', name: { 'zh-CN': '全面检查、清洁和校准', en: 'Complete inspection, cleaning and calibration' }, performer: 'technician', skill: 'hardware',
      checklist: [
        item('complete-inspection', '全面检查', 'Complete inspection'),
        item('calibration', '校准（触摸屏、读卡器）', 'Calibrate (touch screen, card reader)'),
        item('password-rotation', '更换终端密码', 'Change the terminal password'),
        ...VISIT,
      ],
    }],
  },
];
