// Reasons said in words from the server's codes: why a campaign skipped a terminal's install
// (Campaign.tsx, the action's skipReason), and a worn part that brought a preventive task forward
// (Preventive.tsx, the why's part:… factor). The server's own prose is English. Merged by i18n.tsx.
export const skipReasonsEn = {
  skip_no_window: 'No maintenance window applies to this terminal',
  skip_longer_than_window: 'The install takes longer than its maintenance window',
  skip_offline: 'The terminal was offline when its wave was planned',
  skip_locked: 'The terminal was locked when its wave was planned',
  skip_job_aborted: 'Its maintenance job was cancelled',
  skip_job_missing: 'Its maintenance job no longer exists',
  skip_job_ended_before_install: 'Its maintenance job ended before the terminal began installing',
  whyPartDue: '{part}: replacement due now',
  wornPart_battery: 'Battery past its charge-cycle limit',
};

export const skipReasonsZh: Record<keyof typeof skipReasonsEn, string> = {
  skip_no_window: '该终端没有适用的维护窗口',
  skip_longer_than_window: '安装所需时间超过其维护窗口',
  skip_offline: '安排该批次时终端离线',
  skip_locked: '安排该批次时终端已锁机',
  skip_job_aborted: '其维护任务已取消',
  skip_job_missing: '其维护任务已不存在',
  skip_job_ended_before_install: '终端开始安装前，其维护任务已结束',
  whyPartDue: '{part}：现在需要更换',
  wornPart_battery: '电池充放电循环次数超过上限',
};
