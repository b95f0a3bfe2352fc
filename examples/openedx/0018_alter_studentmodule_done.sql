--
-- Alter field done on studentmodule (max_length 8 -> 16: widen a VARCHAR)
--
ALTER TABLE `courseware_studentmodule` MODIFY `done` varchar(16) NOT NULL;
