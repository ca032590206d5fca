"""The radio verbs refuse nonsense before touching the bus: a duration no timer can hold, a distance
outside a calibration's sense, --write on the reference. Exit 64 (usage) with the option named."""
import unittest

from agenttest import run


class RadioVerbsCheckTheirInput(unittest.TestCase):
    def refused(self, *args, names):
        result = run("radio", *args, check=False, timeout=30)
        self.assertEqual(result.returncode, 64, result.stderr)
        self.assertIn(names, result.stderr)

    def test_durations_beyond_any_timer_are_usage_errors(self):
        self.refused("watch", "--duration", "1e20", names="--duration")
        self.refused("watch", "--duration", "nan", names="--duration")
        self.refused("test", "--duration", "1e300", names="--duration")
        self.refused("calibrate", "--session", "s", "--duration", "1e20", names="--duration")

    def test_calibration_options_are_checked(self):
        self.refused("calibrate", "--session", "s", "--distance", "50", names="--distance")
        self.refused("calibrate", "--session", "s", "--distance", "nan", names="--distance")
        self.refused("calibrate", "--session", "", names="--session")
        self.refused("calibrate", "--session", "s", "--reference", "--write", names="--write")
        self.refused("watch", "--tek", "zz", names="--tek")


if __name__ == "__main__":
    unittest.main()
