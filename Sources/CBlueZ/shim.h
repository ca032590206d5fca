// CBlueZ: libbluetooth's HCI socket helpers, only to read a legacy controller's advertising TX
// power (which bluetoothd's D-Bus API does not expose). Imported only by the BlueZ module's
// back-end file `HCITxPower+libbluetooth.swift`. No logic here: one macro Swift cannot import.
#ifndef BLEAGENT_CBLUEZ_SHIM_H
#define BLEAGENT_CBLUEZ_SHIM_H
#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>

static const int CBLUEZ_OGF_LE_CTL = OGF_LE_CTL;
#endif
