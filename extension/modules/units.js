// Sizes in words, in the user's language (`t` is i18n.getMessage or a fake): shared by the
// popup and the notifications. Pure.

/** Numbers as the user's locale writes them, at most one decimal (1,234.5; 1 234,5). */
export function numberFormat(locale) {
  return (n) => n.toLocaleString(locale, { maximumFractionDigits: 1 });
}

/** 512 bytes, 3.4 kB, 1.2 MB, 1.5 GB (decimal units, as disks are sold; French: ko, Mo, Go). */
export function formatBytes(n, t, formatNumber = String) {
  const bytes = Math.max(0, Number(n) || 0);
  const tenths = (size) => formatNumber(Math.round((bytes / size) * 10) / 10);
  if (bytes >= 1e9) return t("sizeGigabytes", [tenths(1e9)]);
  if (bytes >= 1e6) return t("sizeMegabytes", [tenths(1e6)]);
  if (bytes >= 1e3) return t("sizeKilobytes", [tenths(1e3)]);
  return t("sizeBytes", [formatNumber(Math.round(bytes))]);
}
