"""Common Vietnamese banks that take Napas 247 transfers by VietQR, with the 6-digit Napas BIN of each.

The BIN (bank identification number, "mã BIN") names the beneficiary's bank in a VietQR payment code.
Bank names are proper names: shown as the banks write them, not translated.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    """A bank: its Napas BIN and the short name people know it by."""

    bin: str
    name: str

    @property
    def label(self) -> str:
        """The name and BIN, as a choice in a list."""
        return f"{self.name} ({self.bin})"


BANKS: tuple[Bank, ...] = (
    Bank("970436", "Vietcombank"),
    Bank("970415", "VietinBank"),
    Bank("970418", "BIDV"),
    Bank("970405", "Agribank"),
    Bank("970407", "Techcombank"),
    Bank("970422", "MB Bank"),
    Bank("970416", "ACB"),
    Bank("970432", "VPBank"),
    Bank("970403", "Sacombank"),
    Bank("970423", "TPBank"),
    Bank("970441", "VIB"),
    Bank("970443", "SHB"),
    Bank("970437", "HDBank"),
    Bank("970431", "Eximbank"),
    Bank("970426", "MSB"),
    Bank("970448", "OCB"),
    Bank("970440", "SeABank"),
    Bank("970449", "LPBank"),
    Bank("970428", "Nam A Bank"),
    Bank("970409", "Bac A Bank"),
    Bank("970425", "ABBANK"),
    Bank("970454", "BVBank"),
    Bank("970427", "VietABank"),
    Bank("970452", "Kienlongbank"),
    Bank("970412", "PVcomBank"),
    Bank("970400", "Saigonbank"),
    Bank("970419", "NCB"),
    Bank("970433", "Vietbank"),
    Bank("970438", "BaoViet Bank"),
    Bank("970430", "PGBank"),
    Bank("970408", "GPBank"),
    Bank("970414", "OceanBank"),
    Bank("970444", "CBBank"),
    Bank("970406", "DongA Bank"),
    Bank("970429", "SCB"),
    Bank("970446", "Co-opBank"),
    Bank("970424", "Shinhan Bank"),
    Bank("970457", "Woori Bank"),
    Bank("970458", "UOB"),
    Bank("970410", "Standard Chartered"),
)
BY_BIN: dict[str, Bank] = {bank.bin: bank for bank in BANKS}


def bank_name(bin_: str | None) -> str:
    """The bank's short name for a BIN; the BIN itself for one not in the list; "" for none."""
    if not bin_:
        return ""
    bank = BY_BIN.get(bin_)
    return bank.name if bank else bin_
