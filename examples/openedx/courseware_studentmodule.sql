-- An Open edX-like courseware_studentmodule table: one row per learner per course block,
-- as SHOW CREATE TABLE prints it on MySQL 8 / MariaDB.
CREATE TABLE `courseware_studentmodule` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `module_type` varchar(32) NOT NULL,
  `module_id` varchar(255) NOT NULL,
  `course_id` varchar(255) NOT NULL,
  `state` longtext DEFAULT NULL,
  `grade` double DEFAULT NULL,
  `max_grade` double DEFAULT NULL,
  `done` varchar(8) NOT NULL,
  `created` datetime(6) NOT NULL,
  `modified` datetime(6) NOT NULL,
  `student_id` int(11) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `courseware_studentmodule_student_id_module_id_c_f3d1ea5b_uniq` (`student_id`,`module_id`,`course_id`),
  KEY `courseware_studentmodule_module_type_a3ee4b32` (`module_type`),
  KEY `courseware_studentmodule_course_id_0b2c8ac6` (`course_id`),
  KEY `courseware_studentmodule_grade_e8d5e5d4` (`grade`),
  KEY `courseware_studentmodule_created_9976b4ad` (`created`),
  KEY `courseware_studentmodule_modified_f6a0b0a6` (`modified`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
